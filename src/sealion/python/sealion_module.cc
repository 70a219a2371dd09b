// The Python module `import sealion`: count photos with a trained model, generate synthetic
// surveys, export detections and read labels back, with the library's functions (no argv).
// Errors of the library (sealion::Error) are raised as sealion.Error, a RuntimeError.

#include <fmt/format.h>
#include <pybind11/stl.h>
#include <pybind11/stl/filesystem.h>

#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "sealion/core/classes.h"
#include "sealion/count/count.h"
#include "sealion/formats/export.h"
#include "sealion/formats/import.h"
#include "sealion/python/bindings.h"
#include "sealion/synth/synth.h"
#include "sealion/util/error.h"
#include "sealion/util/output_guard.h"
#include "sealion/version.h"

namespace py = pybind11;

namespace sealion::python {
namespace {

py::dict Synth(const std::filesystem::path& output_dir, int train, int test, int width, int height,
               uint64_t seed, bool replace) {
  SynthOptions options;
  options.output_dir = output_dir;
  options.train_photos = train;
  options.test_photos = test;
  options.width = width;
  options.height = height;
  options.seed = seed;
  options.replace = replace;
  SynthSummary summary;
  {
    py::gil_scoped_release release;
    options.Check();
    const OutputLock lock(options.output_dir);
    summary = RunSynth(options);
  }
  py::dict result;
  result["train_photos"] = summary.train_photos;
  result["test_photos"] = summary.test_photos;
  result["train_animals"] = summary.train_animals;
  result["test_animals"] = summary.test_animals;
  result["seconds"] = summary.seconds;
  return result;
}

py::dict Export(const std::filesystem::path& detections, const std::string& format,
                const std::filesystem::path& output,
                const std::optional<std::filesystem::path>& submission,
                const std::optional<std::filesystem::path>& photos,
                const std::optional<std::string>& crs) {
  static const std::map<std::string, ExportFormat> kFormats = {
      {"viame", ExportFormat::kViameCsv},
      {"coco", ExportFormat::kCocoJson},
      {"geojson", ExportFormat::kGeoJson},
      {"totals", ExportFormat::kTotalsCsv}};
  const auto found = kFormats.find(format);
  if (found == kFormats.end()) {
    throw py::value_error(
        fmt::format("format must be 'viame', 'coco', 'geojson' or 'totals', not '{}'", format));
  }
  if (crs && format != "geojson") throw py::value_error("crs is for format 'geojson' only");
  if (format == "coco" && !photos) {
    throw py::value_error(
        "format 'coco' needs photos (the folder of the photos): COCO records every image's width "
        "and height");
  }
  ExportOptions options;
  options.detections = detections;
  options.format = found->second;
  options.output = output;
  options.submission = submission.value_or("");
  options.photos_dir = photos.value_or("");
  options.crs = crs.value_or("");
  ExportSummary summary;
  {
    py::gil_scoped_release release;
    options.Check();
    CheckOutputsAreNotInputs({{"detections", options.detections},
                              {"submission", options.submission},
                              {"photos", options.photos_dir}},
                             {{"output", options.output}});
    const OutputLock lock(options.output);
    summary = RunExport(options);
  }
  py::dict result;
  result["photos"] = summary.photos;
  result["detections"] = summary.detections;
  result["tiles"] = summary.tiles;
  result["map_coordinates"] = summary.map_coordinates;
  return result;
}

py::dict ReadLabels(const std::filesystem::path& path) {
  std::map<int64_t, std::vector<Animal>> animals;
  {
    py::gil_scoped_release release;
    animals = ReadLabelledAnimals(path);
  }
  py::dict result;
  for (const auto& [id, photo_animals] : animals) {
    const auto rows = static_cast<py::ssize_t>(photo_animals.size());
    py::array_t<double> table({rows, py::ssize_t{3}});
    auto cells = table.mutable_unchecked<2>();
    for (py::ssize_t i = 0; i < rows; ++i) {
      const Animal& animal = photo_animals[static_cast<size_t>(i)];
      cells(i, 0) = animal.x;
      cells(i, 1) = animal.y;
      cells(i, 2) = animal.class_index;
    }
    result[py::int_(id)] = table;
  }
  return result;
}

// The photos `sealion count INPUT...` would count, with the ids it would give them: `inputs` is one
// path (str or os.PathLike: a photo, a folder, or "@list.txt") or a sequence of them.
std::vector<std::pair<int64_t, std::filesystem::path>> Photos(const py::object& inputs,
                                                              bool ids_from_order) {
  const py::object fspath = py::module_::import("os").attr("fspath");
  std::vector<std::string> paths;
  if (py::isinstance<py::str>(inputs) || py::hasattr(inputs, "__fspath__")) {
    paths.push_back(fspath(inputs).cast<std::string>());
  } else {
    for (const py::handle item : inputs) paths.push_back(fspath(item).cast<std::string>());
  }
  std::vector<PhotoInput> photos;
  {
    py::gil_scoped_release release;
    photos = ResolveCountInputs(paths, ids_from_order);
  }
  std::vector<std::pair<int64_t, std::filesystem::path>> result;
  result.reserve(photos.size());
  for (const auto& photo : photos) result.emplace_back(photo.id, photo.path);
  return result;
}

py::array_t<uint8_t> ReadPhoto(const std::filesystem::path& path) {
  cv::Mat rgb;
  {
    py::gil_scoped_release release;
    rgb = ReadRgbPhoto(path);
  }
  return ArrayFromRgb(rgb);
}

void DefineModule(py::module_& module) {
  module.doc() =
      "Counts Steller sea lions by class in aerial survey photos: the library behind the "
      "`sealion` program. Model counts photos (photos lists them with their ids); synth generates "
      "a synthetic survey; export "
      "writes detections for annotation and GIS tools; read_labels reads labelled animals back. "
      "Errors the library reports (a missing or corrupt file, a bad model) raise sealion.Error, "
      "a RuntimeError whose message names the file.";
  py::register_exception<Error>(module, "Error", PyExc_RuntimeError);
  module.attr("__version__") = kVersion;
  py::tuple classes(kNumSeaLionClasses);
  for (int c = 0; c < kNumSeaLionClasses; ++c)
    classes[static_cast<size_t>(c)] = py::str(std::string(ClassName(c)));
  module.attr("CLASSES") = classes;

  BindModel(module);

  module.def("photos", &Photos, py::arg("inputs"), py::arg("ids_from_order") = false,
             "The photos `sealion count` would count for `inputs` (a photo, a folder of photos, "
             "'@list.txt' with one path a line, or a list of these; str or os.PathLike), in its "
             "order, as (photo id, pathlib.Path) pairs to pass to Model.count. Ids come from the "
             "file names (42.jpg is 42) or, with `ids_from_order`, are 0, 1, ... in that order "
             "(as `sealion count --ids-from-order`). Raises sealion.Error naming the file for a "
             "missing input, a name that is not a number (without ids_from_order), an id "
             "given twice, or no photo at all.");
  module.def("read_photo", &ReadPhoto, py::arg("path"),
             "Reads a photo as Model.count reads a path: a NumPy uint8 array (height, width, 3) in "
             "RGB order, EXIF orientation applied. Raises sealion.Error naming the file when it is "
             "missing, not an image, or a corrupt JPEG.");
  module.def("synth", &Synth, py::arg("output_dir"), py::arg("train") = 2, py::arg("test") = 2,
             py::arg("width") = 1024, py::arg("height") = 768, py::arg("seed") = 1,
             py::arg("replace") = false,
             "Writes a synthetic survey with exact ground truth into `output_dir`, in the "
             "competition's layout (Train/, TrainDotted/, train.csv, Test/<id>.jpg, "
             "test_coords.csv, ...), as `sealion synth --layouts model`: `train` training pairs "
             "and `test` test photos of width x height pixels; the same seed gives the same bytes. "
             "`replace`: remove an earlier survey in `output_dir` first (otherwise a non-empty "
             "folder is an error). Returns a dict: train_photos, test_photos, train_animals, "
             "test_animals, seconds.");
  module.def("export", &Export, py::arg("detections"), py::arg("format"), py::arg("output"),
             py::arg("submission") = py::none(), py::arg("photos") = py::none(),
             py::arg("crs") = py::none(),
             "Writes a detections CSV (test_id,class,x,y,score, as `sealion count --detections` "
             "writes it) to `output` as `sealion export` does, in `format`: 'viame' (VIAME CSV, "
             "for DIVE), 'coco' (COCO JSON; needs `photos`), 'geojson' (points; map coordinates "
             "with world files and `crs` 'EPSG:<code>') or 'totals' (per-photo counts). "
             "`submission`: the count's submission CSV (its photos and totals); `photos`: the "
             "folder of the photos (file names, sizes, world files). Returns a dict: photos, "
             "detections, tiles, map_coordinates.");
  module.def("read_labels", &ReadLabels, py::arg("path"),
             "Reads labelled animals from a coords CSV (id,class,x,y), a VIAME CSV or a COCO JSON "
             "file. Returns a dict of photo id to a NumPy float64 array N x 3: x, y in pixels and "
             "the class index into CLASSES.");
}

}  // namespace
}  // namespace sealion::python

PYBIND11_MODULE(sealion, module) { sealion::python::DefineModule(module); }

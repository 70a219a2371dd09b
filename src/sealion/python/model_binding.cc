// sealion.Model (a model file and its counting method) and sealion.Count (one photo's count).

#include <fmt/format.h>
#include <pybind11/stl.h>
#include <pybind11/stl/filesystem.h>

#include <cstring>
#include <mutex>
#include <opencv2/imgproc.hpp>
#include <optional>
#include <string>

#include "sealion/core/classes.h"
#include "sealion/core/image_io.h"
#include "sealion/count/counting_method.h"
#include "sealion/nn/model_file.h"
#include "sealion/nn/point_inference.h"
#include "sealion/nn/seed_cnn.h"
#include "sealion/python/bindings.h"
#include "sealion/python/detection_rows.h"

namespace py = pybind11;

namespace sealion::python {
namespace {

// What Model.count returns.
struct Count {
  int64_t photo_id = 0;
  std::string method;
  py::dict counts;                 // class name -> animals (or tiles), the five classes in order
  py::array_t<double> detections;  // N x 4: x, y, class index, score
};

std::string ShapeText(const py::array& array) {
  std::string text = "(";
  for (py::ssize_t axis = 0; axis < array.ndim(); ++axis)
    text += fmt::format("{}{}", axis > 0 ? ", " : "", array.shape(axis));
  return text + (array.ndim() == 1 ? ",)" : ")");
}

// Copies an RGB array (any strides) into a cv::Mat; needs the GIL.
cv::Mat RgbFromArray(const py::array& array) {
  if (!py::isinstance<py::array_t<uint8_t>>(array)) {
    throw py::type_error(
        fmt::format("photo: expected a NumPy array of dtype uint8 (RGB, 8 bit), not dtype {}",
                    py::str(array.dtype()).cast<std::string>()));
  }
  if (array.ndim() != 3 || array.shape(2) != 3 || array.shape(0) < 1 || array.shape(1) < 1) {
    throw py::value_error(fmt::format(
        "photo: expected a NumPy array of shape (height, width, 3) in RGB order, not shape {}",
        ShapeText(array)));
  }
  const auto pixels = py::reinterpret_borrow<py::array_t<uint8_t>>(array).unchecked<3>();
  cv::Mat rgb(static_cast<int>(array.shape(0)), static_cast<int>(array.shape(1)), CV_8UC3);
  const bool packed_rows = array.strides(1) == 3 && array.strides(2) == 1;
  for (int row = 0; row < rgb.rows; ++row) {
    uint8_t* out = rgb.ptr<uint8_t>(row);
    if (packed_rows) {
      std::memcpy(out, pixels.data(row, 0, 0), static_cast<size_t>(rgb.cols) * 3);
      continue;
    }
    for (int col = 0; col < rgb.cols; ++col) {
      for (int channel = 0; channel < 3; ++channel) *out++ = pixels(row, col, channel);
    }
  }
  return rgb;
}

class Model {
 public:
  Model(const std::filesystem::path& path, std::optional<double> threshold,
        std::optional<double> suppression, std::optional<int> views, int threads) {
    if (threshold && !(*threshold > 0 && *threshold < 1))
      throw py::value_error(fmt::format("threshold must be in (0, 1), not {}", *threshold));
    if (suppression && !(*suppression >= 0 && *suppression <= 2))
      throw py::value_error(fmt::format("suppression must be in [0, 2], not {}", *suppression));
    if (views && !IsViewCount(*views))
      throw py::value_error(fmt::format("views must be 1, 2, 4 or 8, not {}", *views));
    if (threads < 0) throw py::value_error(fmt::format("threads must be >= 0, not {}", threads));
    CountingSettings settings;
    if (threshold) settings.threshold = static_cast<float>(*threshold);
    if (suppression) settings.suppression = *suppression;
    if (views) settings.views = *views;
    py::gil_scoped_release release;
    ConfigureTorchThreads(threads);
    LoadedModel model = LoadModel(path);
    method_name_ = model.method;
    method_ = MakeCountingMethod(std::move(model), settings);
  }

  Count CountPhoto(const py::object& photo, int64_t photo_id) {
    cv::Mat rgb;
    std::filesystem::path path;
    if (py::isinstance<py::array>(photo)) {
      rgb = RgbFromArray(photo.cast<py::array>());
    } else {
      try {
        path = photo.cast<std::filesystem::path>();
      } catch (const py::cast_error&) {
        throw py::type_error(fmt::format(
            "photo: expected a path (str or os.PathLike) or a NumPy uint8 array (height, width, "
            "3) in RGB order, not {}",
            py::str(py::type::of(photo)).cast<std::string>()));
      }
    }
    PhotoCount result;
    {
      py::gil_scoped_release release;   // other Python threads run while the photo is counted
      std::optional<int> jpeg_quality;  // unknown for pixels passed in memory
      if (rgb.empty()) rgb = ReadRgbPhoto(path, &jpeg_quality);
      const std::lock_guard lock(mutex_);  // a method counts one photo at a time
      result = method_->CountPhoto(photo_id, rgb, jpeg_quality);
    }
    const std::vector<DetectionRow> rows = ParseDetectionRows(result.detection_rows);
    const auto detections = static_cast<py::ssize_t>(rows.size());
    Count count{photo_id, method_name_, {}, py::array_t<double>({detections, py::ssize_t{4}})};
    for (int c = 0; c < kNumSeaLionClasses; ++c)
      count.counts[py::str(std::string(ClassName(c)))] = result.counts[static_cast<size_t>(c)];
    auto table = count.detections.mutable_unchecked<2>();
    for (py::ssize_t i = 0; i < detections; ++i) {
      const DetectionRow& row = rows[static_cast<size_t>(i)];
      table(i, 0) = row.x;
      table(i, 1) = row.y;
      table(i, 2) = row.class_index;
      table(i, 3) = row.score;
    }
    return count;
  }

  const std::string& method() const { return method_name_; }
  std::string Describe() const { return method_->Describe(); }

 private:
  std::string method_name_;
  std::unique_ptr<CountingMethod> method_;
  std::mutex mutex_;
};

}  // namespace

cv::Mat ReadRgbPhoto(const std::filesystem::path& path, std::optional<int>* jpeg_quality) {
  ColourImage image = ReadColourImageAndQuality(path);
  if (jpeg_quality != nullptr) *jpeg_quality = image.jpeg_quality;
  cv::cvtColor(image.bgr, image.bgr, cv::COLOR_BGR2RGB);  // in place: RGB from here on
  return image.bgr;
}

py::array_t<uint8_t> ArrayFromRgb(const cv::Mat& rgb) {
  py::array_t<uint8_t> array({rgb.rows, rgb.cols, 3});
  for (int row = 0; row < rgb.rows; ++row) {
    std::memcpy(array.mutable_data(row, 0, 0), rgb.ptr<uint8_t>(row),
                static_cast<size_t>(rgb.cols) * 3);
  }
  return array;
}

void BindModel(py::module_& module) {
  py::class_<Count>(module, "Count", "The count of one photo (Model.count).")
      .def_readonly("photo_id", &Count::photo_id, "The photo id passed to Model.count.")
      .def_readonly("method", &Count::method,
                    "The counting method: 'points' (one detection per animal) or 'tiles' (one "
                    "per counted 64x64 tile).")
      .def_readonly("counts", &Count::counts,
                    "Animals (or tiles) per class: dict of the five CLASSES, in order, to int.")
      .def_readonly("detections", &Count::detections,
                    "NumPy float64 array N x 4, one row per counted animal (or tile): x (column), "
                    "y (row) in pixels of the photo, class index into CLASSES, score. The rows "
                    "are those of `sealion count --detections` (x, y to 0.1 px, score to 1e-4).")
      .def("__repr__", [](const Count& count) {
        return fmt::format("sealion.Count(photo_id={}, method='{}', counts={}, detections={})",
                           count.photo_id, count.method, py::repr(count.counts).cast<std::string>(),
                           count.detections.shape(0));
      });

  py::class_<Model>(module, "Model",
                    "A trained counter: a sealion model file (sealion train) or a TorchScript "
                    "module with its JSON sidecar MODULE.pt.json, ready to count photos.")
      .def(py::init<const std::filesystem::path&, std::optional<double>, std::optional<double>,
                    std::optional<int>, int>(),
           py::arg("path"), py::arg("threshold") = py::none(), py::arg("suppression") = py::none(),
           py::arg("views") = py::none(), py::arg("threads") = 0,
           "Loads the model at `path` (str or os.PathLike). Point models only: `threshold` in "
           "(0, 1) replaces the model's detection threshold, `suppression` in [0, 2] its "
           "suppression radius (a fraction of the body length), `views` (1, 2, 4 or 8) the "
           "flipped and turned views its heatmap is averaged over; None keeps the model's (as "
           "`sealion count` without --threshold, --suppression, --views). `threads`: LibTorch "
           "threads for this process (0: every core). Raises sealion.Error naming the file when "
           "it is missing or not a model, ValueError for a bad setting.")
      .def_property_readonly("method", &Model::method,
                             "'points' (the point counter) or 'tiles' (the seed's tile counter).")
      .def("count", &Model::CountPhoto, py::arg("photo"), py::arg("photo_id") = 0,
           "Counts one photo: a path (str or os.PathLike; JPEG, PNG, ...) or a NumPy uint8 array "
           "(height, width, 3) in RGB order, any strides. Returns a Count; `photo_id` is its "
           "photo_id. A path's JPEG quality is read from the file, so a point model calibrated "
           "for hard compression (scripts/calibrate-jpeg.sh) shifts its threshold for it; an "
           "array's quality is unknown and gets the model's own threshold. "
           "Other Python threads run meanwhile (one count at a time per Model). "
           "Raises sealion.Error naming the file when it cannot be read, TypeError or ValueError "
           "for an array of another dtype or shape.")
      .def("__repr__",
           [](const Model& model) { return fmt::format("sealion.Model({})", model.Describe()); });
}

}  // namespace sealion::python

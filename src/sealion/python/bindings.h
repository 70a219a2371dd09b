#pragma once
// The Python module `sealion` (sealion_module.cc defines it): the parts defined in other files.

#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

#include <filesystem>
#include <opencv2/core.hpp>
#include <optional>

namespace sealion::python {

// sealion.Model and sealion.Count (model_binding.cc).
void BindModel(pybind11::module_& module);

// A photo as the counting methods take it: RGB, 8 bit, read with ReadColourImage and the default
// limits; its JPEG quality (nullopt for a PNG) into `jpeg_quality` when given. Call without the
// GIL.
cv::Mat ReadRgbPhoto(const std::filesystem::path& path, std::optional<int>* jpeg_quality = nullptr);

// An RGB photo as a NumPy uint8 array, height x width x 3 (a copy).
pybind11::array_t<uint8_t> ArrayFromRgb(const cv::Mat& rgb);

}  // namespace sealion::python

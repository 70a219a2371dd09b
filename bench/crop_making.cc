// The cost of making one training crop of the point counter (nn/point_data.h SampleCrop), on
// one thread: the window resampled from a full-size photo, turned and flipped, the photometric
// augmentation, the target maps. Training makes its crops on the same cores as the network,
// so this cost comes straight off its crops/s (bench/points_vs_tiles.sh measures both).
//
// usage: sealion_bench_crop_making [--benchmark_filter=...]
#include <benchmark/benchmark.h>

#include <opencv2/core.hpp>
#include <opencv2/core/utility.hpp>
#include <random>

#include "sealion/nn/point_data.h"

namespace {

// A 5616x3744 photo of noise with 300 animals of every class, every cell labelled.
const sealion::LabelledPhoto& Photo() {
  static const sealion::LabelledPhoto photo = [] {
    sealion::LabelledPhoto made;
    made.size = cv::Size(5616, 3744);
    std::mt19937_64 rng(7);
    for (int i = 0; i < 300; ++i) {
      made.animals.push_back({static_cast<double>(rng() % 5616), static_cast<double>(rng() % 3744),
                              static_cast<int>(i % 5)});
    }
    made.valid_cells = cv::Mat(3744 / 4, 5616 / 4, CV_8U, cv::Scalar(255));
    return made;
  }();
  return photo;
}

const cv::Mat& Pixels() {
  static const cv::Mat pixels = [] {
    cv::Mat made(3744, 5616, CV_8UC3);
    cv::randu(made, cv::Scalar::all(0), cv::Scalar::all(255));
    return made;
  }();
  return pixels;
}

void MakeCrops(benchmark::State& state, const sealion::AugmentOptions& augment) {
  cv::setNumThreads(1);  // as in training: one crop per thread
  const cv::Mat& pixels = Pixels();
  uint64_t seed = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(sealion::SampleCrop(pixels, Photo(), 256, augment, ++seed));
  }
  state.SetItemsProcessed(state.iterations());
}

void BM_CropAsTrained(benchmark::State& state) {  // the trainer's defaults, scale ±30%
  sealion::AugmentOptions augment;
  augment.scale_range = 0.3;
  MakeCrops(state, augment);
}

void BM_CropGeometryOnly(benchmark::State& state) {  // no exposure, haze, blur or JPEG
  sealion::AugmentOptions augment;
  augment.scale_range = 0.3;
  augment.exposure = augment.colour = augment.haze = augment.blur = augment.jpeg = 0;
  MakeCrops(state, augment);
}

void BM_CropJpegEveryTime(benchmark::State& state) {  // every crop recompressed
  sealion::AugmentOptions augment;
  augment.scale_range = 0.3;
  augment.jpeg = 1;
  MakeCrops(state, augment);
}

}  // namespace

BENCHMARK(BM_CropAsTrained)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_CropGeometryOnly)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_CropJpegEveryTime)->Unit(benchmark::kMicrosecond);
BENCHMARK_MAIN();

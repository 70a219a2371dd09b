#pragma once
// Real scenery for synthetic photos. Away from its dots a dotted photo is the plain photo, so the
// parts of real TrainDotted photos that are far from every dot (at least an adult male's length)
// and outside the black masks are pure scenery: real water, surf, rock and sand at the real scale.
//
// A background is assembled from such clear windows, taken at full resolution (turned by a
// multiple of 90 degrees, maybe mirrored, never scaled): the whole photo from one window where one
// fits, otherwise the photo is split in two (at a random point of its longer side) and each part
// filled the same way, down to `min_tile`; neighbours blend over `seam_width` px. Parts that will
// hold synthetic animals take windows near real colonies (within `land_reach` of a dot), which are
// mostly the rock the animals lay on; other parts take any window. Windows come from the real
// photos in an order drawn per synthetic photo, so that most of a photo comes from one real
// photo. Where no real window fits, drawn scenery fills in.
//
// Only a 1/8-scale map of the clear ground of each real photo is kept; full-size photos are
// decoded when a window is taken from them and at most `max_cached_photos` are kept decoded.

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <opencv2/core.hpp>
#include <vector>

#include "sealion/synth/layout.h"
#include "sealion/synth/random.h"

namespace sealion {

struct SceneryOptions {
  std::filesystem::path dataset_dir;  // competition layout: TrainDotted/<id>.jpg
  std::filesystem::path coords;       // `sealion extract`'s coords.csv (train_id,class,x,y): every
                                      // dot of each photo used, in the dotted photo's frame; only
                                      // photos with at least one row are used
  int clearance = 120;           // px a window keeps from every dot: an adult male's body length
  int land_reach = 600;          // px from a dot within which ground counts as a colony's land
  int min_tile = 256;            // px; the smallest window; smaller gaps get drawn scenery
  int seam_width = 96;           // px over which neighbouring windows blend
  int max_cached_photos = 3;     // decoded full-size real photos kept in memory (about 63 MB each);
                                 // photos in use by a worker thread are kept besides
  double good_land_share = 0.5;  // share of a window near a colony that is land enough for animals

  // Throws sealion::Error naming the bad field (as its synth flag where it has one).
  void Check() const;
};

struct ComposedScenery {
  cv::Mat photo;          // BGR
  double real_share = 0;  // share of the area filled from real photos (the rest is drawn)
};

class SceneryLibrary {
 public:
  // Reads the coords and maps the clear ground of every photo they name. Throws naming the file
  // when the coords are malformed, a photo is missing or unreadable, a dot lies outside its photo,
  // or no photo is left.
  explicit SceneryLibrary(const SceneryOptions& options);
  ~SceneryLibrary();
  SceneryLibrary(const SceneryLibrary&) = delete;
  SceneryLibrary& operator=(const SceneryLibrary&) = delete;

  size_t size() const { return photos_.size(); }
  // Share of the real photos' area that is clear scenery.
  double clear_share() const { return clear_share_; }

  // A background of `size`; windows under `animals` come from near real colonies. `drawn` gives
  // drawn scenery of `size` (called at most once, only when some part has no real window).
  // The result depends only on the inputs and `rng`, not on threads or on what is cached.
  ComposedScenery Compose(cv::Size size, const std::vector<PlacedAnimal>& animals, Rng& rng,
                          const std::function<cv::Mat()>& drawn) const;

  // The photo's ground on the 1/8 grid, for tests: 255 where a window may lie.
  cv::Mat ClearMap(size_t photo) const;

 private:
  struct Photo {
    int64_t id = 0;
    std::filesystem::path path;
    cv::Size grid;               // the 1/8-scale grid, one cell per 8x8 px
    cv::Mat blocked_integral;    // CV_32S integral of cells that are not clear
    cv::Mat near_dots_integral;  // CV_32S integral of cells within land_reach of a dot
  };
  class PhotoCache;
  class Composer;

  std::shared_ptr<const cv::Mat> FullPhoto(size_t index) const;

  SceneryOptions options_;
  std::vector<Photo> photos_;
  double clear_share_ = 0;
  std::unique_ptr<PhotoCache> cache_;
};

}  // namespace sealion

#pragma once
// Training data of the point network: labelled photos (the plain photo, its animals, and which
// stride-4 cells carry labels), and augmented crops cut from them.

#include <cstdint>
#include <filesystem>
#include <opencv2/core.hpp>
#include <string>
#include <vector>

#include "sealion/core/point_match.h"
#include "sealion/extract/dedot.h"
#include "sealion/nn/augment.h"
#include "sealion/nn/point_targets.h"

namespace sealion {

struct LabelledPhoto {
  int64_t id = 0;
  std::filesystem::path image_path;  // the plain photo, or the dotted one when `dedot`
  // The dotted photo with its dots removed: no usable plain copy, or the second copy of a photo
  // that has one (LoadLabelledPhotos' dotted_copies_too).
  bool dedot = false;
  cv::Size size;
  std::vector<Animal> animals;  // in the plain photo's pixels
  cv::Mat valid_cells;          // CV_8U, one per stride-4 cell, non-zero where labels hold
  // Places where an earlier model counted an animal that the labels do not have (hard
  // negatives: AttachHardNegatives), in the same pixels; crops may be centred near them.
  std::vector<cv::Point2d> hard_negatives;
};

// The labelled photos of a training folder: every photo that `coords_csv` covers (extract's
// coords.csv, train_id,class,x,y; or a VIAME CSV or COCO JSON, formats/import.h), with the photos
// extract processed without finding animals (its counts.csv beside a coords.csv). A folder
// without TrainDotted/ holds plain photos named <id>.jpg (.jpeg, .png), in its Train/ folder or
// itself, e.g. photos whose animals were corrected in DIVE: no masks, every cell labelled. With its
// plain copy (Train/<id>.jpg), a photo is trained on the plain pixels, and the dotted copy, turned
// to the plain frame, gives the black masks, whose cells carry no labels. Without a plain copy, or
// with one that matches the dotted copy under no turn (the mismatched list), the dotted copy with
// its dots removed (extract/dedot.h) is used when `use_dotted_only`, else the photo is skipped.
// With `dotted_copies_too`, a photo trained on its plain copy is listed a second time as its
// dotted copy with the dots removed (same id, animals and masks; only where the two copies share
// one frame): the same animals in the two files' encodings. Skipped photos are named, with the
// reason, in *skipped.
std::vector<LabelledPhoto> LoadLabelledPhotos(const std::filesystem::path& dataset_dir,
                                              const std::filesystem::path& coords_csv,
                                              bool use_dotted_only, int threads,
                                              std::vector<std::string>* skipped,
                                              bool dotted_copies_too = false);

// Hard negatives from `detections_csv` (count --detections of an earlier model on these photos:
// test_id,class,x,y[,score]): each detection that lies on an unmasked cell of its photo and
// farther than half a body length (of the animal's class) from every labelled animal is added to
// that photo's hard_negatives; the rest are animals found, or places without labels. Returns how
// many were added; detections of photos not in `photos` are ignored.
int64_t AttachHardNegatives(std::vector<LabelledPhoto>& photos,
                            const std::filesystem::path& detections_csv);

// Decoy repairs: spots of background where the dot removal's inpainting is applied as well, so
// that a repair mark alone never means an animal. Nine of the sample's twelve photos have no plain
// copy; every labelled animal there carries a repair mark where its dot was, and a network trained
// on them counted the repaired copy of a photo higher than its plain copy (up to 4 animals of a
// class). `per_animal` decoys for each labelled animal (at least 20 in a photo when positive): two
// thirds beside an animal (0.75-2.5 body lengths from it, where crops are cut), the rest anywhere;
// never within 0.6 body length of any animal nor on masked cells. Fixed by (seed, photo id).
std::vector<cv::Point2d> ChooseDecoyRepairs(const LabelledPhoto& photo, double per_animal,
                                            uint64_t seed);

// Body decoys: repair marks on the animals' bodies, off their centre (0.2-0.45 body length from
// the labelled point, at least two repair radii from every dot and from each other), so that a
// mark on an animal stops telling the network where its centre is: on the nine dotted-only
// photos every labelled animal carries one exactly there, and in dense clusters the networks put
// detections on the marks (docs/real-photos.md, bench/repair_marks.sh). `per_animal` per labelled
// animal (fractional: the rest by chance); fewer where the body has no free spot. Fixed by (seed,
// photo id).
std::vector<cv::Point2d> ChooseBodyDecoyRepairs(const LabelledPhoto& photo, double per_animal,
                                                uint64_t seed);

// The pixels a photo is trained on (RGB): the plain photo, or the dotted one with its dots
// removed, derived in memory (never written anywhere); `decoys` are repaired too.
cv::Mat ReadTrainingImage(const LabelledPhoto& photo, const std::vector<cv::Point2d>& decoys = {},
                          const DedotOptions& dedot = {});

struct TrainingCrop {
  cv::Mat rgb;  // crop x crop, RGB 8 bit
  PointTargets targets;
};

// One augmented crop of `photo` (whose decoded RGB pixels are `rgb`), fully determined by `seed`:
// a window (near an animal, near a hard negative, or anywhere; scaled), quarter turns and flips,
// exposure and colour, blur, JPEG recompression. Pixels outside the photo are grey and carry no
// labels.
TrainingCrop SampleCrop(const cv::Mat& rgb, const LabelledPhoto& photo, int crop_size,
                        const AugmentOptions& augment, uint64_t seed);

}  // namespace sealion

#!/usr/bin/python3
"""Writes the seed corpora of fuzz/corpus/<target>/ from synthetic content only.

Valid files of each format and the edge cases a reader must refuse cleanly. Nothing comes from
real data (the Kaggle sample is third-party and never enters the repository). Needs
python3-opencv and numpy; the model seed with LibTorch weights also needs python3-torch.
Run from anywhere: /usr/bin/python3 fuzz/make_corpus.py
Files named repro_* reproduce bugs that fuzzing found, so that the corpus ctests guard the
fixes; those the fuzzer wrote itself are kept by hand (this script leaves other files alone):
model_file_fuzz/repro_pickle_string_4gb.bin, a BINUNICODE claiming 4 GB in a 1.8 KB file.
"""

import io
import json
import pathlib
import struct
import zlib

import cv2
import numpy as np

CORPUS = pathlib.Path(__file__).resolve().parent / "corpus"
CLASSES = ["adult_males", "subadult_males", "adult_females", "juveniles", "pups"]
COUNT_HEADER = "train_id," + ",".join(CLASSES) + "\n"


def write(target, name, content):
    folder = CORPUS / target
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_bytes(content.encode() if isinstance(content, str) else content)


def csv_seeds():
    rows = "0,1,2,30,4,5\n41,0,0,12,3,0\n7,2,1,0,0,0\n"
    write("csv_fuzz", "counts.csv", COUNT_HEADER + rows)
    write("csv_fuzz", "counts_crlf.csv", (COUNT_HEADER + rows).replace("\n", "\r\n"))
    write("csv_fuzz", "counts_no_final_newline.csv", COUNT_HEADER + "3,1,1,1,1,1")
    write("csv_fuzz", "counts_negative.csv", COUNT_HEADER + "3,1,-1,1,1,1\n")
    write("csv_fuzz", "counts_duplicate_id.csv", COUNT_HEADER + "3,1,1,1,1,1\n3,0,0,0,0,0\n")
    write("csv_fuzz", "counts_huge.csv", COUNT_HEADER + "99999999999999999999,9223372036854775807,"
          "-9223372036854775808,1e308,0x10, 7\n")
    write("csv_fuzz", "counts_ragged.csv", COUNT_HEADER + "3,1,1\n4,1,1,1,1,1,1,1\n")
    write("csv_fuzz", "quoted.csv", '"train_id","adult_males"\n"1","2,3"\n')
    write("csv_fuzz", "empty.csv", "")
    write("csv_fuzz", "header_only.csv", COUNT_HEADER)
    write("csv_fuzz", "blank_lines.csv", "\n\r\n" + COUNT_HEADER + "\n\r\n5,0,0,0,0,0\n\n")
    write("csv_fuzz", "nul_bytes.csv", b"train_id,a\x00b\n1,\x00\n")
    write("csv_fuzz", "numbers.csv", "a,b,c,d,e,f\nnan,inf,-0,1e-400,1e400,.5\n")
    write("csv_fuzz", "reference_coords.csv",
          "tid,cls,row,col\n0,0,100,200\n0,4,3300,4900\n1,2,3743,5615\n2,1,0,0\n")
    write("csv_fuzz", "reference_coords_huge.csv",
          "tid,cls,row,col\n0,0,9223372036854775807,-9223372036854775808\n1,5,0,0\n")


def points_seeds():
    coords = "train_id,class,x,y\n0,adult_males,100,200\n0,pups,110,205\n1,juveniles,5.5,7.25\n"
    write("points_csv_fuzz", "coords.csv", coords)
    write("points_csv_fuzz", "coords_crlf.csv", coords.replace("\n", "\r\n"))
    write("points_csv_fuzz", "detections.csv", "test_id,class,x,y,score\n"
          "3,adult_females,10,10,0.9\n3,adult_females,12,11,0.8\n"
          "3,subadult_males,400,300,0.55\n4,pups,1,1,0.01\n")
    write("points_csv_fuzz", "special_numbers.csv", "test_id,class,x,y,score\n"
          "1,pups,nan,inf,nan\n1,pups,-inf,1e308,1e39\n1,pups, 7,0x1p3,-0\n1,pups,1e400,1,1\n")
    write("points_csv_fuzz", "huge_id.csv", "train_id,class,x,y\n99999999999999999999,pups,1,1\n")
    write("points_csv_fuzz", "bad_class.csv", "train_id,class,x,y\n1,non_seal,1,1\n2,walrus,1,1\n")
    write("points_csv_fuzz", "three_columns.csv", "train_id,class,x\n1,pups,1\n")
    write("points_csv_fuzz", "header_only.csv", "train_id,class,x,y\n")
    write("points_csv_fuzz", "empty.csv", "")
    write("points_csv_fuzz", "quoted.csv", '"train_id","class","x","y"\n"1","pups","1","2"\n')
    # Many animals of one photo close together: the matching's worst case in a small file.
    crowd = "".join(f"9,{CLASSES[i % 5]},{i % 17},{i // 17},{(i * 37 % 100) / 100}\n"
                    for i in range(300))
    write("points_csv_fuzz", "crowd.csv", "test_id,class,x,y,score\n" + crowd)


def id_list_seeds():
    write("id_list_fuzz", "mismatched.txt", "train_id\n3\n7\n9\n")
    write("id_list_fuzz", "crlf.txt", "train_id\r\n3\r\n7\r\n")
    write("id_list_fuzz", "no_header.txt", "3\n7\n")
    write("id_list_fuzz", "blank_lines.txt", "train_id\n\n3\n\r\n\n7")
    write("id_list_fuzz", "huge.txt", "train_id\n99999999999999999999\n-9223372036854775808\n")
    write("id_list_fuzz", "junk.txt", "train_id\n12abc\n 5\n+3\n")
    write("id_list_fuzz", "header_only.txt", "train_id\n")
    write("id_list_fuzz", "empty.txt", "")


def photo_list_seeds():
    write("photo_list_fuzz", "plain.txt", "12.jpg\n7.jpg\n")
    write("photo_list_fuzz", "comments_crlf.txt", "# survey 2016\r\n\r\nTest/3.jpg\r\n/abs/41.JPG\n")
    write("photo_list_fuzz", "twice.txt", "3.jpg\nother/3.jpg\n")
    write("photo_list_fuzz", "not_ids.txt", "photo.jpg\n12abc.jpg\n-4.jpg\n99999999999999999999.jpg\n")
    write("photo_list_fuzz", "empty.txt", "")


def photo(height, width, channels=3):
    """A small synthetic scene: a gradient with a few blobs, so the codecs have detail."""
    y, x = np.mgrid[0:height, 0:width]
    image = np.stack([(x * 7) % 256, (y * 5) % 256, ((x + y) * 3) % 256], axis=-1).astype(np.uint8)
    cv2.circle(image, (width // 3, height // 2), max(1, height // 5), (40, 60, 200), -1)
    return image if channels == 3 else cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)


def encode(extension, image, parameters=()):
    ok, data = cv2.imencode(extension, image, list(parameters))
    assert ok
    return data.tobytes()


def with_exif_orientation(jpeg, orientation):
    """Inserts an APP1 Exif block (big-endian TIFF, one IFD entry) after SOI."""
    tiff = b"MM\x00\x2a" + struct.pack(">I", 8) + struct.pack(">H", 1)
    tiff += struct.pack(">HHIHH", 0x0112, 3, 1, orientation, 0) + struct.pack(">I", 0)
    payload = b"Exif\x00\x00" + tiff
    return jpeg[:2] + b"\xff\xe1" + struct.pack(">H", len(payload) + 2) + payload + jpeg[2:]


def with_jpeg_size(jpeg, width, height):
    """Rewrites the frame header (SOF0/SOF2) to claim another size."""
    for marker in (b"\xff\xc0", b"\xff\xc2"):
        at = jpeg.find(marker)
        if at >= 0:
            return jpeg[:at + 5] + struct.pack(">HH", height, width) + jpeg[at + 9:]
    raise ValueError("no frame header")


def jpeg_seeds():
    colour = encode(".jpg", photo(16, 24), [cv2.IMWRITE_JPEG_QUALITY, 90])
    write("jpeg_fuzz", "colour.jpg", colour)
    write("jpeg_fuzz", "grey.jpg", encode(".jpg", photo(8, 8, 1)))
    write("jpeg_fuzz", "progressive.jpg",
          encode(".jpg", photo(16, 16), [cv2.IMWRITE_JPEG_PROGRESSIVE, 1]))
    write("jpeg_fuzz", "restarts_optimized.jpg", encode(
        ".jpg", photo(32, 32), [cv2.IMWRITE_JPEG_RST_INTERVAL, 1, cv2.IMWRITE_JPEG_OPTIMIZE, 1]))
    write("jpeg_fuzz", "exif_rotated.jpg", with_exif_orientation(colour, 6))
    write("jpeg_fuzz", "exif_bad_orientation.jpg", with_exif_orientation(colour, 200))
    write("jpeg_fuzz", "truncated.jpg", colour[:len(colour) // 2])
    write("jpeg_fuzz", "truncated_with_eoi.jpg", colour[:len(colour) // 2] + b"\xff\xd9")
    write("jpeg_fuzz", "claims_huge_size.jpg", with_jpeg_size(colour, 60000, 60000))
    write("jpeg_fuzz", "claims_2mp.jpg", with_jpeg_size(colour, 2000, 1000))
    write("jpeg_fuzz", "claims_larger.jpg", with_jpeg_size(colour, 100, 100))
    write("jpeg_fuzz", "soi_only.jpg", b"\xff\xd8\xff\xd9")


def png_chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_seeds():
    write("png_fuzz", "colour.png", encode(".png", photo(16, 24)))
    write("png_fuzz", "grey.png", encode(".png", photo(8, 8, 1)))
    write("png_fuzz", "sixteen_bit.png", encode(".png", photo(8, 8).astype(np.uint16) * 257))
    write("png_fuzz", "alpha.png", encode(".png", cv2.cvtColor(photo(8, 8), cv2.COLOR_BGR2BGRA)))
    colour = encode(".png", photo(16, 24))
    write("png_fuzz", "truncated.png", colour[:len(colour) // 2])
    # A valid header (CRC and all) that claims 30000 x 30000 pixels over a few bytes of data.
    header = struct.pack(">IIBBBBB", 30000, 30000, 8, 2, 0, 0, 0)
    write("png_fuzz", "claims_huge_size.png", b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", header)
          + png_chunk(b"IDAT", zlib.compress(b"\x00" * 64)) + png_chunk(b"IEND", b""))
    # Other formats cv::imdecode accepts when the bytes are not a JPEG.
    write("png_fuzz", "tiny.bmp", encode(".bmp", photo(4, 4)))
    write("png_fuzz", "tiny.ppm", encode(".ppm", photo(4, 4)))
    write("png_fuzz", "tiny.tif", encode(".tif", photo(4, 4)))
    write("png_fuzz", "tiny.webp", encode(".webp", photo(8, 8)))
    write("png_fuzz", "text.png", "not an image\n")


def model_file(header, weights=b"", version=2):
    text = json.dumps(header).encode() if isinstance(header, dict) else header
    return b"SEALIONMODEL" + struct.pack("<IQ", version, len(text)) + text + weights


def tiny_torch_archive():
    """A TorchScript archive of one 2-element parameter, as InputArchive reads; None without
    python3-torch. Loading it into a network fails cleanly (missing parameters)."""
    try:
        import torch
    except ImportError:
        return None

    class Tiny(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.weight = torch.nn.Parameter(torch.zeros(2))

        def forward(self, x):
            return x

    data = io.BytesIO()
    torch.jit.save(torch.jit.script(Tiny()), data)
    return data.getvalue()


def model_seeds():
    names = CLASSES + ["non_seal"]
    tiles = {"architecture": "seed_cnn_v1", "method": "tiles", "class_names": names,
             "patch_size": 64, "format_version": 2}
    points = {"architecture": "point_net_v1", "method": "points", "class_names": names,
              "stride": 4, "detection": {"threshold": 0.5, "suppression_fraction": 0.5},
              "format_version": 2}
    write("model_file_fuzz", "tiles_no_weights.bin", model_file(tiles))
    write("model_file_fuzz", "points_garbage_weights.bin", model_file(points, b"PK\x03\x04junk"))
    write("model_file_fuzz", "points_no_detection.bin",
          model_file({k: v for k, v in points.items() if k != "detection"}))
    write("model_file_fuzz", "version1.bin", model_file({**tiles, "format_version": 1}, version=1))
    write("model_file_fuzz", "version3.bin", model_file(tiles, version=3))
    # Ensembles (version 3): member counts in and out of range, of the wrong type, missing.
    ensemble = {**points, "format_version": 3, "ensemble_members": 2}
    write("model_file_fuzz", "ensemble_garbage_weights.bin",
          model_file(ensemble, b"PK\x03\x04junk", version=3))
    write("model_file_fuzz", "ensemble_17_members.bin",
          model_file({**ensemble, "ensemble_members": 17}, version=3))
    write("model_file_fuzz", "ensemble_members_text.bin",
          model_file({**ensemble, "ensemble_members": "two"}, version=3))
    write("model_file_fuzz", "ensemble_members_in_version2.bin", model_file(ensemble))
    # Version 4: point models whose inputs are smoothed (input_chroma_sigma > 0), one network or
    # an ensemble; the field's type and range, and its version, are checked.
    smoothed = {**points, "format_version": 4, "input_chroma_sigma": 4}
    write("model_file_fuzz", "version4.bin", model_file(ensemble, version=4))
    write("model_file_fuzz", "smoothed_garbage_weights.bin",
          model_file(smoothed, b"PK\x03\x04junk", version=4))
    write("model_file_fuzz", "smoothed_ensemble.bin",
          model_file({**smoothed, "ensemble_members": 2}, b"PK\x03\x04junk", version=4))
    write("model_file_fuzz", "smoothed_sigma_text.bin",
          model_file({**smoothed, "input_chroma_sigma": "4"}, version=4))
    write("model_file_fuzz", "smoothed_sigma_1e300.bin",
          model_file({**smoothed, "input_chroma_sigma": 1e300}, version=4))
    write("model_file_fuzz", "smoothed_in_version2.bin", model_file(smoothed))
    write("model_file_fuzz", "smoothed_in_version5.bin", model_file(smoothed, version=5))
    # Version 5: point models whose photos' contrast is normalised first (input_contrast_sd > 0),
    # smoothed or not, one network or an ensemble; the field's type and range, and its version.
    normalised = {**points, "format_version": 5, "input_contrast_sd": 33}
    write("model_file_fuzz", "version5.bin", model_file(normalised, b"PK\x03\x04junk", version=5))
    write("model_file_fuzz", "normalised_smoothed_ensemble.bin",
          model_file({**normalised, "input_chroma_sigma": 4, "ensemble_members": 2},
                     b"PK\x03\x04junk", version=5))
    write("model_file_fuzz", "normalised_sd_text.bin",
          model_file({**normalised, "input_contrast_sd": "33"}, version=5))
    write("model_file_fuzz", "normalised_sd_4.bin",
          model_file({**normalised, "input_contrast_sd": 4}, version=5))
    write("model_file_fuzz", "normalised_in_version4.bin",
          model_file({**normalised, "input_chroma_sigma": 4}, version=4))
    write("model_file_fuzz", "version6.bin", model_file(normalised, version=6))
    write("model_file_fuzz", "checksum_mismatch.bin", model_file(
        {**tiles, "weights_bytes": 4, "weights_checksum": "0000000000000000"}, b"abcd"))
    write("model_file_fuzz", "size_mismatch.bin", model_file({**tiles, "weights_bytes": 9}, b"ab"))
    write("model_file_fuzz", "header_not_object.bin", model_file(b"[1,2,3]"))
    write("model_file_fuzz", "header_bad_json.bin", model_file(b'{"architecture": '))
    write("model_file_fuzz", "header_size_too_big.bin",
          b"SEALIONMODEL" + struct.pack("<IQ", 2, 2**64 - 1) + b"{}")
    # Numbers that do not fit the integer read: nlohmann::json's get<> converts a float out of
    # range, undefined behaviour that UBSan reports (LoadModel's weights_bytes and patch_size).
    write("model_file_fuzz", "repro_weights_bytes_1e300.bin",
          model_file({**tiles, "weights_bytes": 1e300}))
    write("model_file_fuzz", "repro_patch_size_1e300.bin",
          model_file({**tiles, "patch_size": 1e300}))
    write("model_file_fuzz", "magic_only.bin", b"SEALIONMODEL")
    write("model_file_fuzz", "empty.bin", b"")
    archive = tiny_torch_archive()
    if archive is not None:
        write("model_file_fuzz", "tiles_tiny_archive.bin", model_file(tiles, archive))
        write("model_file_fuzz", "points_tiny_archive.bin", model_file(points, archive))
        write("model_file_fuzz", "ensemble_tiny_archive.bin", model_file(ensemble, archive, 3))


VIAME_HEADER = ("# 1: Detection or Track-id,2: Video or Image Identifier,3: Unique Frame Identifier,"
                "4-7: Img-bbox(TL_x,TL_y,BR_x,BR_y),8: Detection or Length Confidence,"
                "9: Target Length (0 or -1 if invalid),10-11+: Repeated Species,Confidence Pairs or "
                "Attributes\n# metadata,exported_by: \"sealion 0.1.0\"\n")


def labels_seeds():
    rows = ("0,12.jpg,0,100,200,220,320,0.9,-1,adult_males,0.9,(kp) head 160.5 260.5\n"
            "1,12.jpg,0,10,20,50,60,0.8,-1,pups,0.8,juveniles,0.7\n"
            "2,13.png,1,0,0,80,80,1,-1,adult_females,1,(atr) reviewed true\n")
    write("viame_fuzz", "viame.csv", VIAME_HEADER + rows)
    write("viame_fuzz", "viame_no_header.csv", rows)
    write("viame_fuzz", "viame_crlf.csv", (VIAME_HEADER + rows).replace("\n", "\r\n"))
    write("viame_fuzz", "viame_unknown_species.csv", VIAME_HEADER + "0,1.jpg,0,0,0,9,9,1,-1,walrus,1\n")
    write("viame_fuzz", "viame_non_seal.csv", VIAME_HEADER + "0,1.jpg,0,0,0,9,9,1,-1,non_seal,1\n")
    write("viame_fuzz", "viame_bad_stem.csv", VIAME_HEADER + "0,img_a.jpg,0,0,0,9,9,1,-1,pups,1\n")
    write("viame_fuzz", "viame_numbers.csv", VIAME_HEADER +
          "0,1.jpg,0,nan,inf,-1e400,1e400,nan,-1,pups,nan,(kp) head nan inf\n"
          "1,99999999999999999999.jpg,0,0,0,1,1,1,-1,pups,1\n")
    write("viame_fuzz", "viame_quoted.csv", VIAME_HEADER + '0,"1.jpg",0,0,0,9,9,1,-1,pups,1\n')
    write("viame_fuzz", "coords.csv", "train_id,class,x,y\n3,pups,1,2\n")
    write("viame_fuzz", "empty.csv", "")
    image = {"id": 1, "file_name": "12.jpg", "width": 640, "height": 480}
    categories = [{"id": i + 1, "name": c, "keypoints": ["centre"]} for i, c in enumerate(CLASSES)]
    annotations = [
        {"id": 1, "image_id": 1, "category_id": 1, "bbox": [100, 200, 120, 120], "area": 14400,
         "iscrowd": 0, "keypoints": [160.5, 260.5, 2], "num_keypoints": 1, "score": 0.9},
        {"id": 2, "image_id": 1, "category_id": 5, "bbox": [10, 20, 40, 40], "iscrowd": 0},
    ]
    coco = {"info": {}, "images": [image], "categories": categories, "annotations": annotations}
    write("coco_fuzz", "coco.json", json.dumps(coco))
    write("coco_fuzz", "coco_no_annotations.json",
          json.dumps(dict(coco, annotations=[], images=[image, dict(image, id=2, file_name="13.png")])))
    write("coco_fuzz", "coco_unknown_category.json",
          json.dumps(dict(coco, categories=[{"id": 1, "name": "walrus"}])))
    write("coco_fuzz", "coco_numbers.json", json.dumps(coco).replace("160.5", "1e400").replace("200", "-1e999"))
    write("coco_fuzz", "coco_types.json", json.dumps(dict(coco, images=[dict(image, id="1")])))
    write("coco_fuzz", "coco_truncated.json", json.dumps(coco)[:100])
    write("coco_fuzz", "coco_missing_image.json", json.dumps(dict(coco, images=[])))
    write("coco_fuzz", "empty.json", "")


def training_metadata_seeds():
    entry = {"filename": "12.jpg",
             "sea-lions": {"adult_males": [[100, 200]], "subadult_males": [],
                           "adult_females": [[10, 20], [30, 40]], "juveniles": [], "pups": [[5, 6]]}}
    empty = dict(entry, filename="13.jpg", **{"sea-lions": {c: [] for c in CLASSES}})
    write("training_metadata_fuzz", "metadata.json", json.dumps([entry, empty], indent=1))
    write("training_metadata_fuzz", "empty_list.json", "[]")
    write("training_metadata_fuzz", "missing_class.json",
          json.dumps([dict(entry, **{"sea-lions": {"pups": [[1, 2]]}})]))
    write("training_metadata_fuzz", "numbers.json", json.dumps([entry]).replace("100", "1e300")
          .replace("200", "-7.5").replace("[5, 6]", "[5]"))
    write("training_metadata_fuzz", "types.json", json.dumps([dict(entry, filename=12)]))
    write("training_metadata_fuzz", "object.json", json.dumps(entry))
    write("training_metadata_fuzz", "truncated.json", json.dumps([entry])[:60])
    write("training_metadata_fuzz", "coords.json", "train_id,class,x,y\n3,pups,1,2\n")


def journal_seeds():
    journal = "model 1a2b3c|tile 64\n41,1,0,12,3,0,16\n7,0,0,0,0,0,0\n9,2,1,"
    side = "41,adult_males,10.5,20,0.9\n" * 2 + "41,pups,1,2,0.5\n" + "9,pups,3,4,0.7"
    write("journal_fuzz", "journal_and_side.txt", journal + "\n====\n" + side)
    write("journal_fuzz", "journal_only.txt", journal + "\n")
    write("journal_fuzz", "numbers.txt", "fp\n99999999999999999999,1,2,3,4,5,6\n-1,x,1,1,1,1,1e3\n"
          "====\n-1,pups,0,0,1\n")
    write("journal_fuzz", "empty.txt", "")


if __name__ == "__main__":
    labels_seeds()
    training_metadata_seeds()
    journal_seeds()
    csv_seeds()
    points_seeds()
    id_list_seeds()
    photo_list_seeds()
    jpeg_seeds()
    png_seeds()
    model_seeds()

#!/usr/bin/env python3
"""Synthetic large DICOM images for the decode benchmark (bench/decode.sh): no clinical data.

Writes, in native Explicit VR Little Endian, into the directory given:
  cr.dcm          one 12-bit CR frame, 3000 x 2500 (a smooth "body" with bands and noise)
  xa.dcm          an 8-bit multi-frame XA run, 60 frames of 1024 x 1024
  ct/ct_NNN.dcm   a 16-bit CT series, 400 slices of 512 x 512 (12 bits stored, rescaled)
  tiny.dcm, tiny8.dcm   16 x 16 images (12 and 8 bits stored), whose decode time the
                  benchmark takes as each tool's start-up

The content is smooth shapes plus Gaussian noise, so lossless codecs compress it by about
what they achieve on real images (2-3x) rather than collapsing flat areas. The compressed
copies are made by bench/decode.sh with DCMTK and GDCM from these files.

Usage: large_images.py OUT_DIR [--scale S]   (S < 1 shrinks every image, for a quick check)
"""

import argparse
import os

import numpy as np
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.uid import ExplicitVRLittleEndian, generate_uid

CR_STORAGE = "1.2.840.10008.5.1.4.1.1.1"
XA_STORAGE = "1.2.840.10008.5.1.4.1.1.12.1"
CT_STORAGE = "1.2.840.10008.5.1.4.1.1.2"


def write(path, ds):
    """Save as a Part 10 file, with pydicom 3's API or pydicom 2's."""
    import pydicom

    try:
        pydicom.dcmwrite(path, ds, enforce_file_format=True)
    except TypeError:
        ds.is_little_endian = True
        ds.is_implicit_VR = False
        ds.save_as(path, write_like_original=False)


def base(sop_class, modality, rows, cols, bits_allocated, bits_stored, signed=False):
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = sop_class
    meta.MediaStorageSOPInstanceUID = generate_uid()
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds = Dataset()
    ds.file_meta = meta
    ds.SOPClassUID = sop_class
    ds.SOPInstanceUID = meta.MediaStorageSOPInstanceUID
    ds.StudyInstanceUID = generate_uid()
    ds.SeriesInstanceUID = generate_uid()
    ds.Modality = modality
    ds.PatientName = "SYNTHETIC^BENCH"
    ds.PatientID = "BENCH"
    ds.SamplesPerPixel = 1
    ds.PhotometricInterpretation = "MONOCHROME2"
    ds.Rows = rows
    ds.Columns = cols
    ds.BitsAllocated = bits_allocated
    ds.BitsStored = bits_stored
    ds.HighBit = bits_stored - 1
    ds.PixelRepresentation = 1 if signed else 0
    return ds


def body(rows, cols, rng, z=0.0):
    """A smooth elliptical body with bands and round inserts, values 0..1, plus nothing else."""
    y, x = np.mgrid[0:rows, 0:cols].astype(np.float32)
    y = (y - rows / 2) / (rows / 2)
    x = (x - cols / 2) / (cols / 2)
    r = (x / 0.8) ** 2 + (y / (0.9 - 0.1 * z * z)) ** 2
    image = np.where(r < 1, 0.45 + 0.15 * np.cos(3 * x + z) * np.cos(2 * y), 0.05)
    for k in range(-3, 4):
        band = np.exp(-(((y - k * 0.22 - 0.05 * z) / 0.03) ** 2)) * (np.abs(x) < 0.6)
        image = image + 0.3 * band
    for cx, cy, radius in [(-0.35, 0.1, 0.12), (0.3, -0.2, 0.08), (0.1, 0.45, 0.1)]:
        image = image + 0.25 * (((x - cx) ** 2 + (y - cy - 0.1 * z) ** 2) < radius * radius)
    return image.astype(np.float32)


def noisy(image, maximum, sigma, rng):
    noise = rng.normal(0.0, sigma, image.shape).astype(np.float32)
    return np.clip(image * maximum + noise, 0, maximum)


def make_cr(out, scale, rng):
    rows, cols = int(3000 * scale), int(2500 * scale)
    ds = base(CR_STORAGE, "CR", rows, cols, 16, 12)
    values = noisy(body(rows, cols, rng), 4095, 8.0, rng).astype(np.uint16)
    ds.PixelData = values.tobytes()
    write(os.path.join(out, "cr.dcm"), ds)


def make_xa(out, scale, rng):
    side, frames = int(1024 * scale), 60
    ds = base(XA_STORAGE, "XA", side, side, 8, 8)
    ds.NumberOfFrames = frames
    ds.FrameIncrementPointer = (0x0018, 0x1063)
    ds.FrameTime = "66.7"
    shape = body(side, side, rng)
    stack = np.empty((frames, side, side), np.uint8)
    for f in range(frames):
        vessel = np.roll(shape, f * 3, axis=1)
        stack[f] = noisy(vessel, 255, 3.0, rng).astype(np.uint8)
    ds.PixelData = stack.tobytes()
    write(os.path.join(out, "xa.dcm"), ds)


def make_ct(out, scale, rng):
    side, slices = int(512 * scale), int(400 * scale) or 1
    folder = os.path.join(out, "ct")
    os.makedirs(folder, exist_ok=True)
    study, series = generate_uid(), generate_uid()
    for s in range(slices):
        ds = base(CT_STORAGE, "CT", side, side, 16, 12)
        ds.StudyInstanceUID, ds.SeriesInstanceUID = study, series
        ds.InstanceNumber = s + 1
        ds.RescaleIntercept = "-1024"
        ds.RescaleSlope = "1"
        ds.SliceThickness = "1.0"
        ds.ImagePositionPatient = [0, 0, float(s)]
        ds.ImageOrientationPatient = [1, 0, 0, 0, 1, 0]
        z = 2.0 * s / max(1, slices - 1) - 1.0
        values = noisy(body(side, side, rng, z), 2400, 12.0, rng).astype(np.uint16)
        ds.PixelData = values.tobytes()
        write(os.path.join(folder, f"ct_{s:03d}.dcm"), ds)


def make_tiny(out, rng):
    for name, bits in [("tiny.dcm", 12), ("tiny8.dcm", 8)]:
        ds = base(CR_STORAGE, "CR", 16, 16, 16 if bits > 8 else 8, bits)
        values = noisy(body(16, 16, rng), (1 << bits) - 1, 2.0, rng)
        ds.PixelData = values.astype(np.uint16 if bits > 8 else np.uint8).tobytes()
        write(os.path.join(out, name), ds)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out")
    parser.add_argument("--scale", type=float, default=1.0)
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)
    rng = np.random.default_rng(20)
    make_cr(args.out, args.scale, rng)
    make_xa(args.out, args.scale, rng)
    make_ct(args.out, args.scale, rng)
    make_tiny(args.out, rng)


if __name__ == "__main__":
    main()

//! The Image Pixel module (PS3.3 C.7.6.3) read from a parsed object and checked before any
//! allocation: dimensions, sample layout and bit depths are validated against
//! [`DecodeLimits`], so a forged header cannot make the decoder reserve gigabytes.

use dicom_dictionary_std::tags;
use dicom_object::InMemDicomObject;

use super::error::ImagingError;
use super::source::ParsedImage;

/// Upper bounds checked before decoding allocates anything.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DecodeLimits {
    /// Largest accepted Rows.
    pub max_rows: u32,
    /// Largest accepted Columns.
    pub max_columns: u32,
    /// Largest accepted Number of Frames.
    pub max_frames: u32,
    /// Largest accepted size of all decoded samples, in bytes.
    pub max_decoded_bytes: u64,
}

impl Default for DecodeLimits {
    fn default() -> Self {
        Self {
            max_rows: 16_384,
            max_columns: 16_384,
            max_frames: 10_000,
            max_decoded_bytes: 2 << 30,
        }
    }
}

/// Photometric Interpretation values the pipeline understands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Photometric {
    /// Grayscale, minimum is white.
    Monochrome1,
    /// Grayscale, minimum is black.
    Monochrome2,
    /// Indices into the Palette Color LUTs.
    PaletteColor,
    /// Red, green, blue.
    Rgb,
    /// Full-range YCbCr.
    YbrFull,
    /// Full-range YCbCr with horizontally halved chroma.
    YbrFull422,
    /// JPEG 2000 reversible colour transform (undone by the codec).
    YbrRct,
    /// JPEG 2000 irreversible colour transform (undone by the codec).
    YbrIct,
}

impl Photometric {
    /// Parse the (trimmed) attribute value.
    pub fn parse(value: &str) -> Option<Self> {
        Some(match value.trim_matches(|c: char| c == ' ' || c == '\0') {
            "MONOCHROME1" => Self::Monochrome1,
            "MONOCHROME2" => Self::Monochrome2,
            "PALETTE COLOR" => Self::PaletteColor,
            "RGB" => Self::Rgb,
            "YBR_FULL" => Self::YbrFull,
            "YBR_FULL_422" => Self::YbrFull422,
            "YBR_RCT" => Self::YbrRct,
            "YBR_ICT" => Self::YbrIct,
            _ => return None,
        })
    }

    /// True for MONOCHROME1 and MONOCHROME2.
    pub fn is_grayscale(self) -> bool {
        matches!(self, Self::Monochrome1 | Self::Monochrome2)
    }
}

/// The validated Image Pixel attributes of one object.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PixelModule {
    /// Rows per frame.
    pub rows: u32,
    /// Columns per frame.
    pub columns: u32,
    /// Number of frames (1 when absent).
    pub frames: u32,
    /// Samples per pixel (1 or 3).
    pub samples_per_pixel: u32,
    /// Bits allocated per sample (1, 8, 16 or 32).
    pub bits_allocated: u32,
    /// Bits stored per sample (1..=bits_allocated).
    pub bits_stored: u32,
    /// True when samples are two's complement.
    pub signed: bool,
    /// Colour model of the stored samples.
    pub photometric: Photometric,
    /// True when colour samples are stored plane by plane (Planar Configuration 1).
    pub planar: bool,
}

impl PixelModule {
    /// Read and validate the module of an image parsed by
    /// [`parse_image`](super::source::parse_image); `NoPixelData`
    /// when the object has no image.
    pub fn from_image(image: &ParsedImage, limits: &DecodeLimits) -> Result<Self, ImagingError> {
        let object = &image.object.dataset;
        let has_pixel_data = image.native_pixel_data.is_some()
            || object
                .element_opt(tags::PIXEL_DATA)
                .ok()
                .flatten()
                .is_some();
        if !has_pixel_data {
            return Err(ImagingError::NoPixelData);
        }
        let rows = required_uint(object, tags::ROWS, "Rows")?;
        let columns = required_uint(object, tags::COLUMNS, "Columns")?;
        let samples_per_pixel = required_uint(object, tags::SAMPLES_PER_PIXEL, "SamplesPerPixel")?;
        let bits_allocated = required_uint(object, tags::BITS_ALLOCATED, "BitsAllocated")?;
        let bits_stored =
            optional_uint(object, tags::BITS_STORED, "BitsStored")?.unwrap_or(bits_allocated);
        let signed = optional_uint(object, tags::PIXEL_REPRESENTATION, "PixelRepresentation")?
            .unwrap_or(0)
            == 1;
        let frames = match object.element_opt(tags::NUMBER_OF_FRAMES).ok().flatten() {
            None => 1,
            Some(element) => {
                let text = element.to_str().map_err(|_| ImagingError::Attribute {
                    name: "NumberOfFrames",
                })?;
                let text = text.trim_matches(|c: char| c == ' ' || c == '\0');
                if text.is_empty() {
                    1
                } else {
                    text.parse::<u32>().map_err(|_| ImagingError::Attribute {
                        name: "NumberOfFrames",
                    })?
                }
            }
        };
        let photometric_text = object
            .element_opt(tags::PHOTOMETRIC_INTERPRETATION)
            .ok()
            .flatten()
            .and_then(|element| element.to_str().ok())
            .ok_or(ImagingError::Attribute {
                name: "PhotometricInterpretation",
            })?;
        let photometric =
            Photometric::parse(&photometric_text).ok_or_else(|| ImagingError::Unsupported {
                what: "Photometric Interpretation",
                value: photometric_text.trim().to_owned(),
            })?;
        let planar = optional_uint(object, tags::PLANAR_CONFIGURATION, "PlanarConfiguration")?
            .unwrap_or(0)
            == 1;
        let module = Self {
            rows,
            columns,
            frames,
            samples_per_pixel,
            bits_allocated,
            bits_stored,
            signed,
            photometric,
            planar,
        };
        module.validate(limits)?;
        Ok(module)
    }

    /// Check internal consistency and the limits.
    pub fn validate(&self, limits: &DecodeLimits) -> Result<(), ImagingError> {
        let zero = |name| ImagingError::Attribute { name };
        if self.rows == 0 {
            return Err(zero("Rows"));
        }
        if self.columns == 0 {
            return Err(zero("Columns"));
        }
        if self.frames == 0 {
            return Err(zero("NumberOfFrames"));
        }
        check_limit("Rows", self.rows.into(), limits.max_rows.into())?;
        check_limit("Columns", self.columns.into(), limits.max_columns.into())?;
        check_limit(
            "Number of Frames",
            self.frames.into(),
            limits.max_frames.into(),
        )?;
        if !matches!(self.bits_allocated, 1 | 8 | 16 | 32) {
            return Err(ImagingError::Unsupported {
                what: "Bits Allocated",
                value: self.bits_allocated.to_string(),
            });
        }
        if self.bits_stored == 0 || self.bits_stored > self.bits_allocated {
            return Err(zero("BitsStored"));
        }
        let expected_samples =
            if self.photometric.is_grayscale() || self.photometric == Photometric::PaletteColor {
                1
            } else {
                3
            };
        if self.samples_per_pixel != expected_samples {
            return Err(ImagingError::Unsupported {
                what: "Samples per Pixel for this Photometric Interpretation",
                value: self.samples_per_pixel.to_string(),
            });
        }
        if self.bits_allocated == 1 && self.samples_per_pixel != 1 {
            return Err(ImagingError::Unsupported {
                what: "1-bit colour",
                value: self.samples_per_pixel.to_string(),
            });
        }
        check_limit(
            "decoded size in bytes",
            self.decoded_bytes(),
            limits.max_decoded_bytes,
        )
    }

    /// Samples in one frame (rows × columns × samples per pixel).
    pub fn samples_per_frame(&self) -> usize {
        self.rows as usize * self.columns as usize * self.samples_per_pixel as usize
    }

    /// Pixels in one frame.
    pub fn pixels_per_frame(&self) -> usize {
        self.rows as usize * self.columns as usize
    }

    /// Bytes of all decoded samples at Bits Allocated (at least one byte per sample).
    pub fn decoded_bytes(&self) -> u64 {
        let bytes_per_sample = u64::from(self.bits_allocated.div_ceil(8).max(1));
        u64::from(self.rows)
            * u64::from(self.columns)
            * u64::from(self.samples_per_pixel)
            * u64::from(self.frames)
            * bytes_per_sample
    }
}

fn check_limit(what: &'static str, value: u64, limit: u64) -> Result<(), ImagingError> {
    if value > limit {
        return Err(ImagingError::TooLarge { what, value, limit });
    }
    Ok(())
}

fn optional_uint(
    object: &InMemDicomObject,
    tag: dicom_core::Tag,
    name: &'static str,
) -> Result<Option<u32>, ImagingError> {
    match object.element_opt(tag).ok().flatten() {
        None => Ok(None),
        Some(element) if element.value().multiplicity() == 0 => Ok(None),
        Some(element) => element
            .to_int::<u32>()
            .map(Some)
            .map_err(|_| ImagingError::Attribute { name }),
    }
}

fn required_uint(
    object: &InMemDicomObject,
    tag: dicom_core::Tag,
    name: &'static str,
) -> Result<u32, ImagingError> {
    optional_uint(object, tag, name)?.ok_or(ImagingError::Attribute { name })
}

#[cfg(test)]
impl PixelModule {
    /// A single-frame, 12-bit, unsigned MONOCHROME2 module: the usual CT or MR shape.
    pub(crate) fn mono12(rows: u32, columns: u32) -> Self {
        PixelModule {
            rows,
            columns,
            frames: 1,
            samples_per_pixel: 1,
            bits_allocated: 16,
            bits_stored: 12,
            signed: false,
            photometric: Photometric::Monochrome2,
            planar: false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn module() -> PixelModule {
        PixelModule::mono12(512, 512)
    }

    #[test]
    fn a_plain_ct_slice_is_valid() {
        assert_eq!(module().validate(&DecodeLimits::default()), Ok(()));
        assert_eq!(module().decoded_bytes(), 512 * 512 * 2);
    }

    #[test]
    fn limits_are_checked_before_decoding() {
        let bomb = PixelModule {
            frames: 9_000,
            rows: 16_000,
            columns: 16_000,
            ..module()
        };
        assert!(matches!(
            bomb.validate(&DecodeLimits::default()),
            Err(ImagingError::TooLarge {
                what: "decoded size in bytes",
                ..
            })
        ));
        let tall = PixelModule {
            rows: 20_000,
            ..module()
        };
        assert!(matches!(
            tall.validate(&DecodeLimits::default()),
            Err(ImagingError::TooLarge { what: "Rows", .. })
        ));
    }

    #[test]
    fn inconsistent_bits_and_samples_are_rejected() {
        let bits = PixelModule {
            bits_stored: 17,
            ..module()
        };
        assert!(bits.validate(&DecodeLimits::default()).is_err());
        let odd_bits = PixelModule {
            bits_allocated: 12,
            ..module()
        };
        assert!(odd_bits.validate(&DecodeLimits::default()).is_err());
        let rgb_one_sample = PixelModule {
            photometric: Photometric::Rgb,
            ..module()
        };
        assert!(rgb_one_sample.validate(&DecodeLimits::default()).is_err());
    }

    #[test]
    fn photometric_values_parse_with_padding() {
        assert_eq!(
            Photometric::parse("MONOCHROME1 "),
            Some(Photometric::Monochrome1)
        );
        assert_eq!(
            Photometric::parse("PALETTE COLOR"),
            Some(Photometric::PaletteColor)
        );
        assert_eq!(Photometric::parse("YBR_PARTIAL_420"), None);
    }
}

//! The presentation stage (PS3.3 C.11.6): after VOI, MONOCHROME1 images and a Presentation
//! LUT Shape of INVERSE are shown inverted, so that low values are white; IDENTITY leaves
//! values alone.

use dicom_dictionary_std::tags;
use dicom_object::InMemDicomObject;

use super::pixel_module::Photometric;

/// Whether display values are inverted before they reach the screen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Presentation {
    /// True for MONOCHROME1 or Presentation LUT Shape INVERSE.
    pub invert: bool,
}

impl Presentation {
    /// Decide from the Photometric Interpretation and Presentation LUT Shape (2050,0020).
    pub fn from_object(dataset: &InMemDicomObject, photometric: Photometric) -> Presentation {
        let shape = dataset
            .element_opt(tags::PRESENTATION_LUT_SHAPE)
            .ok()
            .flatten()
            .and_then(|e| e.to_str().ok())
            .map(|s| s.trim().to_owned());
        Presentation::from_parts(photometric, shape.as_deref())
    }

    /// Decide from already-read values.
    pub fn from_parts(photometric: Photometric, shape: Option<&str>) -> Presentation {
        let invert = photometric == Photometric::Monochrome1 || shape == Some("INVERSE");
        Presentation { invert }
    }

    /// Apply to a display value in `0..=max`.
    pub fn apply(&self, value: f64, max: f64) -> f64 {
        if self.invert {
            max - value
        } else {
            value
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn monochrome1_is_inverted_and_monochrome2_is_not() {
        let mono1 = Presentation::from_parts(Photometric::Monochrome1, None);
        assert_eq!(mono1.apply(0.0, 255.0), 255.0);
        assert_eq!(mono1.apply(200.0, 255.0), 55.0);
        let mono2 = Presentation::from_parts(Photometric::Monochrome2, Some("IDENTITY"));
        assert_eq!(mono2.apply(200.0, 255.0), 200.0);
    }

    #[test]
    fn inverse_shape_inverts_monochrome2() {
        let shape = Presentation::from_parts(Photometric::Monochrome2, Some("INVERSE"));
        assert_eq!(shape.apply(10.0, 255.0), 245.0);
    }
}

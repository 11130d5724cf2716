//! Colour models to RGB (PS3.3 C.7.6.3.1.2): YBR_FULL and YBR_FULL_422 (after chroma
//! up-sampling in [`super::native`]) through the ITU-R BT.601 full-range matrix, and
//! JPEG 2000's YBR_RCT and YBR_ICT for the rare case where a codec did not undo them.
//! Samples arrive interleaved; 8- and 16-bit depths use their own mid-point and range.

/// BT.601 full-range coefficients, as in PS3.3 C.7.6.3.1.2.
const CR_TO_R: f64 = 1.402;
const CB_TO_G: f64 = -0.114 * 1.772 / 0.587;
const CR_TO_G: f64 = -0.299 * 1.402 / 0.587;
const CB_TO_B: f64 = 1.772;

/// YBR_FULL (or YBR_ICT) to RGB for samples of `bits` bits, rounded and clamped.
pub fn ybr_full_to_rgb(samples: &mut [i64], bits: u32) {
    let middle = (1i64 << (bits.clamp(1, 32) - 1)) as f64;
    let max = ((1u64 << bits.clamp(1, 32)) - 1) as f64;
    for pixel in samples.chunks_exact_mut(3) {
        let y = pixel[0] as f64;
        let cb = pixel[1] as f64 - middle;
        let cr = pixel[2] as f64 - middle;
        let convert = |v: f64| (v + 0.5).floor().clamp(0.0, max) as i64;
        pixel[0] = convert(y + CR_TO_R * cr);
        pixel[1] = convert(y + CB_TO_G * cb + CR_TO_G * cr);
        pixel[2] = convert(y + CB_TO_B * cb);
    }
}

/// YBR_RCT (JPEG 2000 reversible colour transform, ISO 15444-1 G.2) to RGB.
pub fn ybr_rct_to_rgb(samples: &mut [i64], bits: u32) {
    let middle = 1i64 << (bits.clamp(1, 32) - 1);
    for pixel in samples.chunks_exact_mut(3) {
        let (y, cb, cr) = (pixel[0], pixel[1] - middle, pixel[2] - middle);
        let g = y - (cb + cr).div_euclid(4);
        pixel[0] = cr + g;
        pixel[1] = g;
        pixel[2] = cb + g;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn neutral_ybr_is_grey() {
        let mut samples = [100, 128, 128, 0, 128, 128, 255, 128, 128];
        ybr_full_to_rgb(&mut samples, 8);
        assert_eq!(samples, [100, 100, 100, 0, 0, 0, 255, 255, 255]);
    }

    #[test]
    fn pure_red_round_trips_through_ybr() {
        // RGB (255, 0, 0) → Y 76, Cb 85, Cr 255 in 8 bits; back: R = 76 + 1.402 × 127 =
        // 254.05, G = 76 + 0.3441 × 43 − 0.7141 × 127 = 0.10, B = 76 − 1.772 × 43 = −0.2 → 0
        let mut samples = [76, 85, 255];
        ybr_full_to_rgb(&mut samples, 8);
        assert_eq!(samples, [254, 0, 0]);
    }

    #[test]
    fn rct_inverts_the_forward_transform() {
        // forward RCT of (R, G, B) = (200, 100, 50): Y = floor((200 + 200 + 50) / 4) = 112,
        // Cb = B - G = -50, Cr = R - G = 100; stored with the 8-bit offset of 128
        let mut samples = [112, 78, 228];
        ybr_rct_to_rgb(&mut samples, 8);
        assert_eq!(samples, [200, 100, 50]);
    }
}

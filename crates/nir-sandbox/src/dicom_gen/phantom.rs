//! Synthetic pixels: simple arithmetic phantoms (ellipses of fixed values varying along
//! the slice index, plus a faint deterministic texture) so that generation stays cheap
//! even in an unoptimised build. Frames come out native: little-endian 16-bit grey or
//! interleaved 8-bit RGB.

use crate::catalogue::{SeriesDef, SeriesKind};

/// An axis-aligned ellipse in normalised image coordinates (-1..1).
struct Ellipse(f32, f32, f32, f32);

impl Ellipse {
    fn contains(&self, u: f32, v: f32) -> bool {
        let du = (u - self.0) / self.2;
        let dv = (v - self.1) / self.3;
        du * du + dv * dv <= 1.0
    }
}

/// A small deterministic hash used for texture and speckle.
fn texture(x: usize, y: usize, z: usize) -> u32 {
    let h = (x as u32).wrapping_mul(73_856_093)
        ^ (y as u32).wrapping_mul(19_349_663)
        ^ (z as u32).wrapping_mul(83_492_791);
    h.wrapping_mul(2_654_435_761) >> 24
}

/// The native bytes of one frame of one instance (`instance` 1-based, `frame` 0-based).
pub fn frame_pixels(series: &SeriesDef, instance: u32, frame: u32) -> Vec<u8> {
    let rows = usize::from(series.rows);
    let cols = usize::from(series.cols);
    let slice = if series.instances > 1 {
        (instance.saturating_sub(1)) as f32 / (series.instances - 1) as f32
    } else {
        0.5
    };
    let z = instance as usize;
    match series.kind {
        SeriesKind::Ct if rows >= 512 => ct_body(rows, cols, slice, z),
        SeriesKind::Ct => grey16(rows, cols, |u, v, x, y| ct_head(u, v, slice, x, y, z)),
        SeriesKind::Mr => {
            let weighting = series.number;
            grey16(rows, cols, |u, v, x, y| {
                mr(u, v, slice, weighting, rows, x, y, z)
            })
        }
        SeriesKind::Cr => grey16(rows, cols, chest_radiograph),
        SeriesKind::Dx => grey16(rows, cols, |u, v, _, _| wrist(u, v, instance)),
        SeriesKind::Us => ultrasound(rows, cols, frame),
        SeriesKind::Pdf | SeriesKind::Sr | SeriesKind::Pr | SeriesKind::Ko => Vec::new(),
    }
}

fn grey16(rows: usize, cols: usize, value: impl Fn(f32, f32, usize, usize) -> i32) -> Vec<u8> {
    let mut out = Vec::with_capacity(rows * cols * 2);
    let (half_r, half_c) = (rows as f32 / 2.0, cols as f32 / 2.0);
    for y in 0..rows {
        let v = (y as f32 - half_r) / half_r;
        for x in 0..cols {
            let u = (x as f32 - half_c) / half_c;
            let stored = value(u, v, x, y).clamp(0, 65_535) as u16;
            out.extend_from_slice(&stored.to_le_bytes());
        }
    }
    out
}

/// CT body (stored = HU + 1024, rescale intercept -1024), painted ellipse by ellipse
/// (later layers win) so that each row costs a few spans rather than a test per pixel.
fn ct_body(rows: usize, cols: usize, t: f32, z: usize) -> Vec<u8> {
    let mut layers = vec![
        (Ellipse(0.0, 0.05, 0.85, 0.62), -100),
        (Ellipse(0.0, 0.05, 0.8, 0.57), 35),
    ];
    if t > 0.8 {
        layers.push((Ellipse(-0.5, 0.25, 0.12, 0.12), 500));
        layers.push((Ellipse(0.5, 0.25, 0.12, 0.12), 500));
    }
    if (0.5..0.66).contains(&t) {
        layers.push((Ellipse(-0.3, 0.25, 0.1, 0.12), 150));
        layers.push((Ellipse(0.3, 0.25, 0.1, 0.12), 150));
    }
    if (0.3..0.58).contains(&t) {
        layers.push((Ellipse(-0.35, 0.0, 0.32, 0.3), 60));
        if (0.42..0.46).contains(&t) {
            layers.push((Ellipse(-0.45, 0.05, 0.05, 0.05), 20));
        }
    }
    if t < 0.33 {
        layers.push((Ellipse(0.08, -0.05, 0.2, 0.18), 45));
    }
    if t < 0.35 {
        layers.push((Ellipse(-0.38, 0.0, 0.28, 0.4), -850));
        layers.push((Ellipse(0.38, 0.0, 0.28, 0.4), -850));
    }
    layers.push((Ellipse(0.0, 0.45, 0.08, 0.08), 700));
    let mut hu = vec![-1000i32; rows * cols];
    let (half_r, half_c) = (rows as f32 / 2.0, cols as f32 / 2.0);
    for y in 0..rows {
        let v = (y as f32 - half_r) / half_r;
        let row = &mut hu[y * cols..(y + 1) * cols];
        for (ellipse, value) in &layers {
            let dv = (v - ellipse.1) / ellipse.3;
            let reach = 1.0 - dv * dv;
            if reach < 0.0 {
                continue;
            }
            let half_width = ellipse.2 * reach.sqrt();
            let from = (((ellipse.0 - half_width) * half_c + half_c).ceil().max(0.0)) as usize;
            let to = (((ellipse.0 + half_width) * half_c + half_c)
                .floor()
                .max(0.0) as usize
                + 1)
            .min(cols);
            if from < to {
                row[from..to].fill(*value);
            }
        }
    }
    let noise = noise_tile(z);
    let mut out = Vec::with_capacity(rows * cols * 2);
    for (i, value) in hu.into_iter().enumerate() {
        let stored = (value + 1024 + noise[i % NOISE_TILE]).clamp(0, 65_535) as u16;
        out.extend_from_slice(&stored.to_le_bytes());
    }
    out
}

/// Length of the repeating texture (a prime, so that it does not line up with rows).
const NOISE_TILE: usize = 4099;

/// A small tile of faint texture (-4..=4 HU) that shifts with the slice.
fn noise_tile(z: usize) -> Vec<i32> {
    (0..NOISE_TILE)
        .map(|i| (texture(i, z, 1) % 9) as i32 - 4)
        .collect()
}

/// CT head (stored = HU + 1024).
fn ct_head(u: f32, v: f32, t: f32, x: usize, y: usize, z: usize) -> i32 {
    let scale = 1.0 - (t - 0.5).abs() * 0.6;
    let hu = if !Ellipse(0.0, 0.0, 0.8 * scale, 0.9 * scale).contains(u, v) {
        -1000
    } else if !Ellipse(0.0, 0.0, 0.72 * scale, 0.82 * scale).contains(u, v) {
        1000
    } else if Ellipse(-0.1, -0.05, 0.05, 0.2 * scale).contains(u, v)
        || Ellipse(0.1, -0.05, 0.05, 0.2 * scale).contains(u, v)
    {
        5
    } else {
        35
    };
    hu + 1024 + (texture(x, y, z) % 5) as i32 - 2
}

/// MR: head for 256 matrices, knee otherwise; `weighting` 1 = T1, 2 = T2, 3 = FLAIR.
#[allow(clippy::too_many_arguments)]
fn mr(u: f32, v: f32, t: f32, weighting: u32, rows: usize, x: usize, y: usize, z: usize) -> i32 {
    let (fluid, tissue, fat) = match weighting {
        1 => (200, 600, 900),
        2 => (1300, 500, 700),
        _ => (100, 700, 800),
    };
    let value = if rows >= 256 {
        let scale = 1.0 - (t - 0.5).abs() * 0.5;
        if !Ellipse(0.0, 0.0, 0.78 * scale, 0.88 * scale).contains(u, v) {
            0
        } else if !Ellipse(0.0, 0.0, 0.7 * scale, 0.8 * scale).contains(u, v) {
            fat
        } else if Ellipse(0.0, 0.0, 0.1, 0.25 * scale).contains(u, v) {
            fluid
        } else {
            tissue
        }
    } else if !Ellipse(0.0, 0.0, 0.6, 0.9).contains(u, v) {
        0
    } else if Ellipse(0.0, -0.45, 0.4, 0.4).contains(u, v)
        || Ellipse(0.0, 0.5, 0.35, 0.38).contains(u, v)
    {
        250
    } else if (v.abs() < 0.08) && u.abs() < 0.4 {
        fluid
    } else {
        tissue
    };
    if value == 0 {
        (texture(x, y, z) % 20) as i32
    } else {
        value + (texture(x, y, z) % 31) as i32
    }
}

/// CR chest PA, MONOCHROME1 (high values display dark).
fn chest_radiograph(u: f32, v: f32, _x: usize, y: usize) -> i32 {
    if !Ellipse(0.0, 0.1, 0.9, 1.0).contains(u, v) {
        return 4000;
    }
    let rib = (y / 24).is_multiple_of(2) && u.abs() > 0.15;
    if u.abs() < 0.08 {
        900
    } else if Ellipse(0.1, 0.2, 0.22, 0.3).contains(u, v) {
        1500
    } else if Ellipse(-0.42, 0.0, 0.33, 0.7).contains(u, v)
        || Ellipse(0.42, 0.0, 0.33, 0.7).contains(u, v)
    {
        if rib {
            2500
        } else {
            3300
        }
    } else {
        2200
    }
}

/// DX wrist, MONOCHROME1; the second instance is the lateral view.
fn wrist(u: f32, v: f32, instance: u32) -> i32 {
    let shift = if instance == 2 { 0.15 } else { 0.0 };
    if !Ellipse(shift, 0.2, 0.45, 1.1).contains(u, v) {
        4000
    } else if (v > -0.1 && ((u - shift + 0.18).abs() < 0.1 || (u - shift - 0.18).abs() < 0.07))
        || Ellipse(shift, -0.35, 0.3, 0.18).contains(u, v)
    {
        1200
    } else {
        2800
    }
}

/// Colour ultrasound: a grey speckled sector with a pulsing red/blue vessel.
fn ultrasound(rows: usize, cols: usize, frame: u32) -> Vec<u8> {
    let mut out = Vec::with_capacity(rows * cols * 3);
    let apex_x = cols as f32 / 2.0;
    let pulse = ((frame % 6) as f32 - 3.0).abs() / 3.0;
    for y in 0..rows {
        for x in 0..cols {
            let dx = x as f32 - apex_x;
            let dy = y as f32 + 8.0;
            let depth = (dx * dx + dy * dy).sqrt() / rows as f32;
            let in_sector = dx.abs() < dy * 0.7 && (0.08..0.97).contains(&depth);
            let pixel = if !in_sector {
                [0, 0, 0]
            } else {
                let vessel = ((x as f32 - apex_x - 10.0) / 12.0).powi(2)
                    + ((y as f32 - rows as f32 * 0.55) / 6.0).powi(2);
                if vessel < 1.0 {
                    let strength = (120.0 + 120.0 * pulse) as u8;
                    if x as f32 > apex_x + 10.0 {
                        [strength, 20, 20]
                    } else {
                        [20, 40, strength]
                    }
                } else {
                    let grey =
                        (texture(x / 2, y / 2, frame as usize) % 140) as f32 * (1.1 - depth) + 30.0;
                    let g = grey.clamp(0.0, 255.0) as u8;
                    [g, g, g]
                }
            };
            out.extend_from_slice(&pixel);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalogue::{Catalogue, Plane, TS_EXPLICIT_LE};

    fn series(kind: SeriesKind, rows: u16, cols: u16) -> SeriesDef {
        SeriesDef {
            uid: "2.999.9".into(),
            number: 1,
            modality: "OT",
            description: "test",
            kind,
            instances: 10,
            rows,
            cols,
            frames: 1,
            plane: Plane::Axial,
            transfer_syntax: TS_EXPLICIT_LE,
        }
    }

    #[test]
    fn frames_have_the_declared_size_and_are_deterministic() {
        let ct = series(SeriesKind::Ct, 64, 64);
        assert_eq!(frame_pixels(&ct, 3, 0).len(), 64 * 64 * 2);
        assert_eq!(frame_pixels(&ct, 3, 0), frame_pixels(&ct, 3, 0));
        let us = series(SeriesKind::Us, 40, 60);
        assert_eq!(frame_pixels(&us, 1, 2).len(), 40 * 60 * 3);
        assert_ne!(frame_pixels(&us, 1, 0), frame_pixels(&us, 1, 3));
    }

    #[test]
    fn ct_body_holds_air_tissue_and_bone() {
        let c = Catalogue::build();
        let ct = &c.studies[0][0].series[0];
        let px = frame_pixels(ct, 200, 0);
        let values: Vec<i32> = px
            .chunks(2)
            .map(|b| i32::from(u16::from_le_bytes([b[0], b[1]])) - 1024)
            .collect();
        assert!(values.iter().any(|&hu| hu < -900));
        assert!(values.iter().any(|&hu| (20..80).contains(&hu)));
        assert!(values.iter().any(|&hu| hu > 600));
    }
}

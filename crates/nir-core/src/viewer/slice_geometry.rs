//! Where a slice lies in patient space, for synchronised scrolling and the slice-location
//! overlay. Image Orientation (Patient) gives the row and column direction cosines of an
//! image; their cross product is the slice normal (DICOM PS3.3 C.7.6.2.1.1), and the dot
//! product of Image Position (Patient) with that normal is the slice's distance along it.
//! A series is described by one normal (its first oriented image's), and every image's
//! position is measured along that same normal so positions compare across the stack; an
//! image at another orientation (a localiser filed in the series) gets no position.

/// Largest angle, in degrees, between two slice normals that still counts as the same
/// orientation. The viewer's synchronised scrolling uses the same tolerance
/// (`ui/src/viewport/sync.ts`).
pub const PARALLEL_TOLERANCE_DEGREES: f64 = 10.0;

/// The unit slice normal, row cosines × column cosines (PS3.3 C.7.6.2.1.1), or `None` when
/// the orientation is degenerate (parallel or zero cosines) or not finite.
pub fn slice_normal(orientation: Option<[f64; 6]>) -> Option<[f64; 3]> {
    let o = orientation?;
    let normal = [
        o[1] * o[5] - o[2] * o[4],
        o[2] * o[3] - o[0] * o[5],
        o[0] * o[4] - o[1] * o[3],
    ];
    let length = dot(normal, normal).sqrt();
    if !length.is_finite() || length < 1e-6 {
        return None;
    }
    Some(normal.map(|c| c / length))
}

/// Position along the image's own slice normal, in mm.
pub fn slice_position(position: Option<[f64; 3]>, orientation: Option<[f64; 6]>) -> Option<f64> {
    Some(dot(position?, slice_normal(orientation)?))
}

/// Position along `normal` (a series' normal), in mm, or `None` when the image lies at
/// another orientation, within [`PARALLEL_TOLERANCE_DEGREES`] either way, so that
/// its distance along `normal` would not be a slice position.
pub fn position_along(
    normal: [f64; 3],
    position: Option<[f64; 3]>,
    orientation: Option<[f64; 6]>,
) -> Option<f64> {
    let own = slice_normal(orientation)?;
    if !parallel(normal, own) {
        return None;
    }
    Some(dot(position?, normal))
}

/// Whether two unit normals are parallel (or opposite) within the tolerance.
pub fn parallel(a: [f64; 3], b: [f64; 3]) -> bool {
    dot(a, b).abs() >= PARALLEL_TOLERANCE_DEGREES.to_radians().cos()
}

fn dot(a: [f64; 3], b: [f64; 3]) -> f64 {
    a[0] * b[0] + a[1] * b[1] + a[2] * b[2]
}

#[cfg(test)]
mod tests {
    use super::*;

    const AXIAL: [f64; 6] = [1.0, 0.0, 0.0, 0.0, 1.0, 0.0];
    const CORONAL: [f64; 6] = [1.0, 0.0, 0.0, 0.0, 0.0, -1.0];
    const SAGITTAL: [f64; 6] = [0.0, 1.0, 0.0, 0.0, 0.0, -1.0];

    fn close(a: [f64; 3], b: [f64; 3]) -> bool {
        a.iter().zip(b).all(|(x, y)| (x - y).abs() < 1e-9)
    }

    #[test]
    fn the_normal_is_row_cross_column() {
        assert!(close(slice_normal(Some(AXIAL)).unwrap(), [0.0, 0.0, 1.0]));
        assert!(close(slice_normal(Some(CORONAL)).unwrap(), [0.0, 1.0, 0.0]));
        assert!(close(
            slice_normal(Some(SAGITTAL)).unwrap(),
            [-1.0, 0.0, 0.0]
        ));
    }

    #[test]
    fn the_normal_is_unit_length_even_from_unnormalised_cosines() {
        let n = slice_normal(Some([2.0, 0.0, 0.0, 0.0, 3.0, 0.0])).unwrap();
        assert!(close(n, [0.0, 0.0, 1.0]));
    }

    #[test]
    fn degenerate_orientations_have_no_normal() {
        assert_eq!(slice_normal(None), None);
        assert_eq!(slice_normal(Some([1.0, 0.0, 0.0, 1.0, 0.0, 0.0])), None);
        assert_eq!(slice_normal(Some([0.0; 6])), None);
        assert_eq!(
            slice_normal(Some([f64::NAN, 0.0, 0.0, 0.0, 1.0, 0.0])),
            None
        );
    }

    #[test]
    fn axial_slices_are_ordered_by_z() {
        assert_eq!(
            slice_position(Some([-100.0, -100.0, 42.5]), Some(AXIAL)),
            Some(42.5)
        );
        assert_eq!(slice_position(None, Some(AXIAL)), None);
    }

    #[test]
    fn positions_along_a_series_normal_skip_other_orientations() {
        let axial = slice_normal(Some(AXIAL)).unwrap();
        let p = Some([-100.0, -100.0, 42.5]);
        assert_eq!(position_along(axial, p, Some(AXIAL)), Some(42.5));
        // An image flipped head-to-foot is still an axial slice at the same place.
        let flipped = [1.0, 0.0, 0.0, 0.0, -1.0, 0.0];
        assert_eq!(position_along(axial, p, Some(flipped)), Some(42.5));
        assert_eq!(position_along(axial, p, Some(CORONAL)), None);
        assert_eq!(position_along(axial, None, Some(AXIAL)), None);
    }

    #[test]
    fn parallel_within_ten_degrees_either_way() {
        let z = [0.0, 0.0, 1.0];
        let tilt = |deg: f64| [deg.to_radians().sin(), 0.0, deg.to_radians().cos()];
        assert!(parallel(z, tilt(5.0)));
        assert!(parallel(z, tilt(175.0)));
        assert!(!parallel(z, tilt(15.0)));
        assert!(!parallel(z, [0.0, 1.0, 0.0]));
    }
}

//! Geometry on a spherical Earth: validated coordinates, great-circle distance
//! (haversine) and the unit vectors the solver uses for fast repeated distances.

use serde::{Deserialize, Serialize};

/// Mean Earth radius in kilometres (IUGG mean radius R1 = 6,371,008.8 m).
pub const EARTH_RADIUS_KM: f64 = 6371.0088;

/// Half the circumference: no two points on the sphere are further apart.
pub const MAX_DISTANCE_KM: f64 = std::f64::consts::PI * EARTH_RADIUS_KM;

/// A point on the Earth in decimal degrees (WGS 84 latitude and longitude).
///
/// Built with [`LatLon::new`], which rejects non-finite values, latitudes outside
/// −90..=90 and longitudes outside −180..=180, so a `LatLon` is always usable.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct LatLon {
    /// Latitude in degrees, north positive.
    pub lat: f64,
    /// Longitude in degrees, east positive.
    pub lon: f64,
}

/// Why a coordinate pair was refused.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum CoordinateError {
    /// The latitude is not a number in −90..=90.
    #[error("latitude {0} outside -90..=90")]
    Latitude(f64),
    /// The longitude is not a number in −180..=180.
    #[error("longitude {0} outside -180..=180")]
    Longitude(f64),
}

impl LatLon {
    /// Validates and builds a coordinate pair.
    ///
    /// # Errors
    /// [`CoordinateError`] when either value is not finite or out of range.
    pub fn new(lat: f64, lon: f64) -> Result<Self, CoordinateError> {
        if !lat.is_finite() || !(-90.0..=90.0).contains(&lat) {
            return Err(CoordinateError::Latitude(lat));
        }
        if !lon.is_finite() || !(-180.0..=180.0).contains(&lon) {
            return Err(CoordinateError::Longitude(lon));
        }
        Ok(Self { lat, lon })
    }
}

/// Great-circle distance in km between two points by the haversine formula,
/// with the mean Earth radius [`EARTH_RADIUS_KM`].
///
/// The sphere is an approximation: the ellipsoidal (geodesic) distance differs
/// by up to about 0.5 % (London–New York: 5,570 km here, 5,585 km on WGS 84).
#[must_use]
pub fn haversine_km(a: LatLon, b: LatLon) -> f64 {
    let (phi1, phi2) = (a.lat.to_radians(), b.lat.to_radians());
    let dphi = phi2 - phi1;
    let dlambda = (b.lon - a.lon).to_radians();
    let h = (dphi / 2.0).sin().powi(2) + phi1.cos() * phi2.cos() * (dlambda / 2.0).sin().powi(2);
    2.0 * EARTH_RADIUS_KM * h.sqrt().min(1.0).asin()
}

/// A point as a unit vector in Earth-centred coordinates.
///
/// The distance between two unit vectors is `2R·asin(|a−b|/2)`, which is the
/// haversine formula written with the chord length: same value, fewer
/// trigonometric calls when the vectors are computed once and reused.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct UnitVec(pub [f64; 3]);

impl UnitVec {
    pub(crate) fn from_latlon(p: LatLon) -> Self {
        let (phi, lambda) = (p.lat.to_radians(), p.lon.to_radians());
        Self([phi.cos() * lambda.cos(), phi.cos() * lambda.sin(), phi.sin()])
    }

    /// Back to degrees (used for the centres of index nodes and for maps).
    pub(crate) fn to_latlon(self) -> LatLon {
        let [x, y, z] = self.0;
        let lat = z.atan2(x.hypot(y)).to_degrees();
        let lon = y.atan2(x).to_degrees();
        LatLon { lat: lat.clamp(-90.0, 90.0), lon: lon.clamp(-180.0, 180.0) }
    }

    /// Dot product, the cosine of the central angle.
    #[inline]
    pub(crate) fn dot(self, o: Self) -> f64 {
        self.0[0] * o.0[0] + self.0[1] * o.0[1] + self.0[2] * o.0[2]
    }

    /// Great-circle distance in km (see the type's documentation).
    #[inline]
    pub(crate) fn distance_km(self, o: Self) -> f64 {
        let dx = self.0[0] - o.0[0];
        let dy = self.0[1] - o.0[1];
        let dz = self.0[2] - o.0[2];
        let half_chord = (dx * dx + dy * dy + dz * dz).sqrt() * 0.5;
        2.0 * EARTH_RADIUS_KM * half_chord.min(1.0).asin()
    }

    /// A lower bound on [`UnitVec::distance_km`], at most 1 m below it, computed
    /// with a polynomial arcsine (Abramowitz & Stegun 4.4.46, error ≤ 2·10⁻⁸ rad)
    /// instead of the library's: for the solver's bounds, where speed matters and
    /// an underestimate is always safe.
    #[inline]
    pub(crate) fn distance_km_lower(self, o: Self) -> f64 {
        let dx = self.0[0] - o.0[0];
        let dy = self.0[1] - o.0[1];
        let dz = self.0[2] - o.0[2];
        let x = ((dx * dx + dy * dy + dz * dz).sqrt() * 0.5).min(1.0);
        let p = 1.570_796_305_0
            + x * (-0.214_598_801_6
                + x * (0.088_978_987_4
                    + x * (-0.050_174_304_6
                        + x * (0.030_891_881_0
                            + x * (-0.017_088_125_6 + x * (0.006_670_090_1 + x * -0.001_262_491_1))))));
        let asin = std::f64::consts::FRAC_PI_2 - (1.0 - x).sqrt() * p;
        2.0 * EARTH_RADIUS_KM * asin - 0.001
    }

    /// The normalised sum of several vectors (their spherical centre), or the
    /// first of them when they cancel out.
    pub(crate) fn centre(points: &[Self]) -> Self {
        let mut s = [0.0; 3];
        for p in points {
            for (acc, v) in s.iter_mut().zip(p.0) {
                *acc += v;
            }
        }
        let norm = (s[0] * s[0] + s[1] * s[1] + s[2] * s[2]).sqrt();
        if norm < 1e-9 {
            return points.first().copied().unwrap_or(Self([1.0, 0.0, 0.0]));
        }
        Self([s[0] / norm, s[1] / norm, s[2] / norm])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(lat: f64, lon: f64) -> LatLon {
        LatLon::new(lat, lon).unwrap()
    }

    #[test]
    fn london_to_new_york_is_about_5570_km() {
        let d = haversine_km(p(51.5074, -0.1278), p(40.7128, -74.0060));
        assert!((d - 5570.0).abs() < 5.0, "{d}");
    }

    #[test]
    fn known_distances_match_published_great_circle_values() {
        // Nairobi–Addis Ababa ≈ 1,160 km; Dakar–Nairobi ≈ 6,250 km; Sydney–Santiago ≈ 11,350 km.
        let cases = [
            ((-1.2864, 36.8172), (9.0250, 38.7469), 1160.0),
            ((14.6928, -17.4467), (-1.2864, 36.8172), 6250.0),
            ((-33.8688, 151.2093), (-33.4489, -70.6693), 11350.0),
        ];
        for (a, b, want) in cases {
            let d = haversine_km(p(a.0, a.1), p(b.0, b.1));
            assert!((d - want).abs() / want < 0.01, "{a:?} {b:?} {d}");
        }
    }

    #[test]
    fn antipodes_are_half_a_circumference_apart() {
        let d = haversine_km(p(0.0, 0.0), p(0.0, 180.0));
        assert!((d - MAX_DISTANCE_KM).abs() < 1e-6);
        assert!(haversine_km(p(10.0, 10.0), p(10.0, 10.0)).abs() < 1e-9);
    }

    #[test]
    fn unit_vector_distance_equals_haversine() {
        let pts = [p(51.5, -0.1), p(40.7, -74.0), p(-33.9, 18.4), p(35.7, 139.7), p(-0.2, -78.5)];
        for a in pts {
            for b in pts {
                let h = haversine_km(a, b);
                let (ua, ub) = (UnitVec::from_latlon(a), UnitVec::from_latlon(b));
                let u = ua.distance_km(ub);
                assert!((h - u).abs() < 1e-6, "{h} {u}");
                let lower = ua.distance_km_lower(ub);
                assert!(lower <= u && u - lower < 0.002, "{u} {lower}");
            }
        }
    }

    #[test]
    fn coordinates_out_of_range_are_refused() {
        assert_eq!(LatLon::new(91.0, 0.0), Err(CoordinateError::Latitude(91.0)));
        assert_eq!(LatLon::new(0.0, -180.5), Err(CoordinateError::Longitude(-180.5)));
        assert!(LatLon::new(f64::NAN, 0.0).is_err());
        let back = UnitVec::from_latlon(p(-12.5, 130.25)).to_latlon();
        assert!((back.lat + 12.5).abs() < 1e-9 && (back.lon - 130.25).abs() < 1e-9);
    }
}

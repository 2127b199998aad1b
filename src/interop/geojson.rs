//! GeoJSON (RFC 7946): points with properties, as a `FeatureCollection`. Positions are
//! `[longitude, latitude]` in WGS 84, rounded to four decimals (about 10 m; a city
//! centre, never a person's address).

use serde_json::{Map, Value, json};

/// One point and what it stands for.
#[derive(Debug, Clone, PartialEq)]
pub struct Point {
    pub lat: f64,
    pub lon: f64,
    pub properties: Map<String, Value>,
}

fn round(x: f64) -> f64 {
    (x * 10_000.0).round() / 10_000.0
}

/// The points as a feature collection.
#[must_use]
pub fn collection(points: &[Point]) -> Value {
    let features: Vec<Value> = points
        .iter()
        .map(|p| {
            json!({
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [round(p.lon), round(p.lat)]},
                "properties": Value::Object(p.properties.clone()),
            })
        })
        .collect();
    json!({"type": "FeatureCollection", "features": features})
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_are_longitude_then_latitude() {
        let mut properties = Map::new();
        properties.insert("name".into(), json!("Nairobi"));
        let v = collection(&[Point { lat: -1.283_25, lon: 36.816_67, properties }]);
        assert_eq!(v["features"][0]["geometry"]["coordinates"], json!([36.8167, -1.2833]));
        assert_eq!(v["features"][0]["properties"]["name"], json!("Nairobi"));
    }
}

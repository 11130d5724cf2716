use serde_json::Value;

use super::*;
use crate::dicomweb::synthetic::SyntheticInstance;

fn layout(series_sizes: &[i32]) -> StudyLayout {
    let mut objects = Vec::new();
    for (series, size) in series_sizes.iter().enumerate() {
        for number in 1..=*size {
            let mut instance =
                SyntheticInstance::slice("9912003888", "2.25.9", series as u32 + 1, number, 4);
            instance.series_uid = format!("2.25.9.{}", series + 1);
            let mut json = instance.metadata_json();
            json["00200011"]["Value"][0] = Value::from(series as i64 + 1);
            objects.push(json);
        }
    }
    let url = url::Url::parse("http://127.0.0.1:1/w/studies/2.25.9/metadata").unwrap();
    StudyLayout::from_metadata(&url, &Value::Array(objects)).unwrap()
}

#[test]
fn current_image_first_then_outward_then_series_then_the_rest() {
    let layout = layout(&[3, 20, 5]);
    let units = plan(&layout, Some("2.25.9.2"), 10);
    assert_eq!(
        units,
        vec![
            FetchUnit::Instance(1, 10),
            FetchUnit::Instance(1, 11),
            FetchUnit::Instance(1, 9),
            FetchUnit::Instance(1, 12),
            FetchUnit::Instance(1, 8),
            FetchUnit::Instance(1, 13),
            FetchUnit::Instance(1, 7),
            FetchUnit::Instance(1, 14),
            FetchUnit::Instance(1, 6),
            FetchUnit::Series(1),
            FetchUnit::Series(0),
            FetchUnit::Series(2),
        ]
    );
}

#[test]
fn a_small_series_is_fetched_instance_by_instance_only() {
    let layout = layout(&[3, 2]);
    let units = plan(&layout, None, 0);
    assert_eq!(
        units,
        vec![
            FetchUnit::Instance(0, 0),
            FetchUnit::Instance(0, 1),
            FetchUnit::Instance(0, 2),
            FetchUnit::Series(1),
        ]
    );
}

#[test]
fn an_index_past_the_end_or_an_unknown_series_falls_back_sensibly() {
    let layout = layout(&[12]);
    let units = plan(&layout, Some("no-such-series"), 500);
    assert_eq!(units[0], FetchUnit::Instance(0, 11));
    assert_eq!(units[1], FetchUnit::Instance(0, 10));
    assert_eq!(units.last(), Some(&FetchUnit::Series(0)));
}

#[test]
fn unit_urls_follow_the_wado_rs_paths() {
    let layout = layout(&[2]);
    let (url, resource, _) = unit_url(&layout, &FetchUnit::Instance(0, 1)).unwrap();
    assert_eq!(resource, Resource::Instance);
    assert_eq!(
        url.path(),
        "/w/studies/2.25.9/series/2.25.9.1/instances/2.25.9.1.1",
        "slice 1 lies highest along the normal"
    );
    let (url, resource, _) = unit_url(&layout, &FetchUnit::Series(0)).unwrap();
    assert_eq!(resource, Resource::Series);
    assert_eq!(url.path(), "/w/studies/2.25.9/series/2.25.9.1");
}

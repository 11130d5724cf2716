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

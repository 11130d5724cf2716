use super::*;

fn layout(series_sizes: &[i32]) -> StudyLayout {
    crate::dicomweb::synthetic::study_layout(series_sizes)
}

#[test]
fn unit_urls_follow_the_wado_rs_paths() {
    let layout = layout(&[2]);
    let (url, resource, _) = unit_url(&layout, &FetchUnit::Instance(0, 1)).unwrap();
    assert_eq!(resource, Resource::Instance);
    assert_eq!(
        url.path(),
        "/w/studies/2.25.9/series/2.25.9.1/instances/2.25.9.1.2",
        "the stack starts at slice 1, as it was acquired"
    );
    let (url, resource, _) = unit_url(&layout, &FetchUnit::Series(0)).unwrap();
    assert_eq!(resource, Resource::Series);
    assert_eq!(url.path(), "/w/studies/2.25.9/series/2.25.9.1");
}

//! Bad, hostile or unsupported VRTs give clear errors (never panics or hangs); missing sources,
//! absolute paths, harmless elements and GeoKeys behave as documented.

mod common;

use common::{check, fixture, oracle};
use rastagg_vrt::{Error, VrtDataset, VrtOptions, Window};
use std::path::{Path, PathBuf};

/// A fresh directory under the system temp dir for one test.
fn temp_dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("rastagg-vrt-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p
}

/// A one-band VRT of `w × h` with the given band body.
fn vrt(w: &str, h: &str, band: &str) -> String {
    format!(
        r#"<VRTDataset rasterXSize="{w}" rasterYSize="{h}"><VRTRasterBand dataType="Int16" band="1">{band}</VRTRasterBand></VRTDataset>"#
    )
}

fn a_tif() -> String {
    fixture("src/a.tif")
        .canonicalize()
        .unwrap()
        .display()
        .to_string()
}

fn simple(file: &str, rects: &str) -> String {
    format!(
        r#"<SimpleSource><SourceFilename relativeToVRT="0">{file}</SourceFilename><SourceBand>1</SourceBand>{rects}</SimpleSource>"#
    )
}

const FULL: &str = r#"<SrcRect xOff="0" yOff="0" xSize="50" ySize="40"/><DstRect xOff="0" yOff="0" xSize="50" ySize="40"/>"#;

#[test]
fn malformed_and_absurd_files_are_errors() {
    let d = temp_dir("malformed");
    let cases: Vec<(&str, String)> = vec![
        ("empty", String::new()),
        ("not xml", "hello".into()),
        ("truncated", vrt("50", "40", &simple(&a_tif(), FULL))[..120].to_string()),
        ("wrong root", "<VRTDatasetX rasterXSize='1' rasterYSize='1'/>".into()),
        ("no size", "<VRTDataset><VRTRasterBand/></VRTDataset>".into()),
        ("negative size", vrt("-5", "40", "")),
        ("fractional size", vrt("5.5", "40", "")),
        ("huge size", vrt("1e12", "40", "")),
        ("huge size 2", vrt("50", "99999999999999999999", "")),
        ("no band", r#"<VRTDataset rasterXSize="5" rasterYSize="5"></VRTDataset>"#.into()),
        ("bad nodata", vrt("50", "40", "<NoDataValue>abc</NoDataValue>")),
        ("huge SrcRect", vrt("50", "40", &simple(&a_tif(), r#"<SrcRect xOff="0" yOff="0" xSize="1e300" ySize="40"/><DstRect xOff="0" yOff="0" xSize="50" ySize="40"/>"#))),
        ("NaN DstRect", vrt("50", "40", &simple(&a_tif(), r#"<SrcRect xOff="0" yOff="0" xSize="50" ySize="40"/><DstRect xOff="nan" yOff="0" xSize="50" ySize="40"/>"#))),
        ("zero SourceBand", vrt("50", "40", &simple(&a_tif(), FULL).replace("<SourceBand>1", "<SourceBand>0"))),
        ("no filename", vrt("50", "40", "<SimpleSource><SourceBand>1</SourceBand></SimpleSource>")),
        ("bad geotransform", r#"<VRTDataset rasterXSize="5" rasterYSize="5"><GeoTransform>1,2,3</GeoTransform><VRTRasterBand/></VRTDataset>"#.into()),
        ("band order", r#"<VRTDataset rasterXSize="5" rasterYSize="5"><VRTRasterBand band="2"/></VRTDataset>"#.into()),
    ];
    for (what, text) in cases {
        let p = write(&d, "bad.vrt", &text);
        match VrtDataset::open(&p) {
            Err(e @ (Error::Format { .. } | Error::Limit { .. })) => {
                assert!(
                    e.to_string().starts_with(&p.display().to_string()),
                    "{what}: {e}"
                );
            }
            other => panic!("{what}: expected a format/limit error, got {other:?}"),
        }
    }
}

#[test]
fn huge_but_valid_rects_read_without_overflow() {
    let d = temp_dir("huge");
    let rects = [
        r#"<SrcRect xOff="0" yOff="0" xSize="2147483647" ySize="2147483647"/><DstRect xOff="0" yOff="0" xSize="50" ySize="40"/>"#,
        r#"<SrcRect xOff="0" yOff="0" xSize="50" ySize="40"/><DstRect xOff="-2147483648" yOff="0" xSize="2147483647" ySize="40"/>"#,
        r#"<SrcRect xOff="2147483000" yOff="0" xSize="50" ySize="40"/><DstRect xOff="0" yOff="0" xSize="50" ySize="40"/>"#,
        r#"<SrcRect xOff="0" yOff="0" xSize="0.0001" ySize="0.0001"/><DstRect xOff="0" yOff="0" xSize="50" ySize="40"/>"#,
        r#"<SrcRect xOff="0" yOff="0" xSize="50" ySize="40"/><DstRect xOff="0" yOff="0" xSize="2147483647" ySize="2147483647"/>"#,
    ];
    for r in rects {
        let p = write(&d, "huge.vrt", &vrt("50", "40", &simple(&a_tif(), r)));
        let ds = VrtDataset::open(&p).unwrap();
        let v = ds.read_window::<i16>(0, Window::new(0, 0, 50, 40)).unwrap();
        assert_eq!(v.len(), 2000, "{r}");
    }
}

#[test]
fn unsupported_elements_are_named() {
    let d = temp_dir("unsupported");
    let src = simple(&a_tif(), FULL);
    let cases = [
        (
            "KernelFilteredSource",
            vrt(
                "50",
                "40",
                &src.replace("SimpleSource", "KernelFilteredSource"),
            ),
        ),
        (
            "AveragedSource",
            vrt("50", "40", &src.replace("SimpleSource", "AveragedSource")),
        ),
        (
            "PixelFunctionType",
            vrt("50", "40", "<PixelFunctionType>sum</PixelFunctionType>"),
        ),
        (
            "LUT",
            vrt(
                "50",
                "40",
                &src.replace("SimpleSource", "ComplexSource")
                    .replace("</ComplexSource>", "<LUT>0:0,1:10</LUT></ComplexSource>"),
            ),
        ),
        (
            "UseMaskBand",
            vrt(
                "50",
                "40",
                &src.replace("SimpleSource", "ComplexSource").replace(
                    "</ComplexSource>",
                    "<UseMaskBand>true</UseMaskBand></ComplexSource>",
                ),
            ),
        ),
        (
            "Exponent",
            vrt(
                "50",
                "40",
                &src.replace("SimpleSource", "ComplexSource")
                    .replace("</ComplexSource>", "<Exponent>2</Exponent></ComplexSource>"),
            ),
        ),
        (
            "mask",
            vrt(
                "50",
                "40",
                &src.replace("<SourceBand>1", "<SourceBand>mask,1"),
            ),
        ),
        (
            "VRTDerivedRasterBand",
            vrt("50", "40", "")
                .replace("band=\"1\"", "band=\"1\" subClass=\"VRTDerivedRasterBand\""),
        ),
        (
            "VRTWarpedDataset",
            vrt("50", "40", "")
                .replace("<VRTDataset ", "<VRTDataset subClass=\"VRTWarpedDataset\" "),
        ),
        ("CFloat32", vrt("50", "40", "").replace("Int16", "CFloat32")),
        (
            "OpenOptions",
            vrt(
                "50",
                "40",
                &src.replace(
                    "</SimpleSource>",
                    "<OpenOptions><OOI key=\"OVERVIEW_LEVEL\">0</OOI></OpenOptions></SimpleSource>",
                ),
            ),
        ),
        (
            "/vsizip",
            vrt("50", "40", &simple("/vsizip/x.zip/a.tif", FULL)),
        ),
    ];
    for (what, text) in cases {
        let p = write(&d, "u.vrt", &text);
        match VrtDataset::open(&p) {
            Err(e @ Error::Unsupported { .. }) => {
                assert!(e.to_string().contains(what), "{what}: {e}")
            }
            other => panic!("{what}: expected unsupported, got {other:?}"),
        }
    }
    // A resampling other than nearest is refused only where GDAL would resample.
    let bilinear = src.replace("<SimpleSource>", r#"<SimpleSource resampling="bilinear">"#);
    let ok = VrtDataset::open(write(&d, "b1.vrt", &vrt("50", "40", &bilinear))).unwrap();
    ok.read_window::<i16>(0, Window::new(0, 0, 50, 40)).unwrap();
    let stretched = bilinear.replace(
        r#"<DstRect xOff="0" yOff="0" xSize="50" ySize="40"/>"#,
        r#"<DstRect xOff="0" yOff="0" xSize="25" ySize="20"/>"#,
    );
    let ds = VrtDataset::open(write(&d, "b2.vrt", &vrt("50", "40", &stretched))).unwrap();
    let e = ds
        .read_window::<i16>(0, Window::new(0, 0, 50, 40))
        .unwrap_err();
    assert!(
        matches!(e, Error::Unsupported { .. }) && e.to_string().contains("bilinear"),
        "{e}"
    );
}

#[test]
fn cycles_are_refused() {
    let d = temp_dir("cycles");
    let me = d.join("self.vrt");
    write(
        &d,
        "self.vrt",
        &vrt("50", "40", &simple(&me.display().to_string(), FULL)),
    );
    let e = VrtDataset::open(&me).unwrap_err();
    assert!(
        matches!(e, Error::Limit { .. }) && e.to_string().contains("cycle"),
        "{e}"
    );
    // a.vrt -> b.vrt -> a.vrt, found when first read.
    let rel = |f: &str| {
        format!(
            r#"<SimpleSource><SourceFilename relativeToVRT="1">{f}</SourceFilename><SourceBand>1</SourceBand>{FULL}</SimpleSource>"#
        )
    };
    write(&d, "a.vrt", &vrt("50", "40", &rel("b.vrt")));
    write(&d, "b.vrt", &vrt("50", "40", &rel("a.vrt")));
    let a = VrtDataset::open(d.join("a.vrt")).unwrap();
    let e = a
        .read_window::<i16>(0, Window::new(0, 0, 5, 5))
        .unwrap_err();
    assert!(e.to_string().contains("cycle"), "{e}");
    // A deep (acyclic) chain hits the depth limit.
    for i in 0..12 {
        write(
            &d,
            &format!("c{i}.vrt"),
            &vrt("50", "40", &rel(&format!("c{}.vrt", i + 1))),
        );
    }
    write(&d, "c12.vrt", &vrt("50", "40", &simple(&a_tif(), FULL)));
    let e = VrtDataset::open(d.join("c0.vrt"))
        .unwrap()
        .read_window::<i16>(0, Window::new(0, 0, 5, 5))
        .unwrap_err();
    assert!(e.to_string().contains("nested deeper"), "{e}");
    let deep = VrtDataset::open_with(
        d.join("c0.vrt"),
        VrtOptions {
            max_depth: 16,
            ..VrtOptions::default()
        },
    )
    .unwrap();
    deep.read_window::<i16>(0, Window::new(0, 0, 5, 5)).unwrap();
}

#[test]
fn missing_sources_fail_or_read_as_nodata() {
    let ds = VrtDataset::open(fixture("missing.vrt")).unwrap();
    let e = ds
        .read_window::<i16>(0, Window::new(0, 0, 50, 40))
        .unwrap_err();
    assert!(e.to_string().contains("does_not_exist.tif"), "{e}");
    // Outside the missing source's footprint the read works.
    ds.read_window::<i16>(0, Window::new(0, 0, 10, 10)).unwrap();

    let options = VrtOptions {
        missing_as_nodata: true,
        ..VrtOptions::default()
    };
    let ds = VrtDataset::open_with(fixture("missing.vrt"), options).unwrap();
    let (reads, bin) = oracle();
    let read = reads
        .iter()
        .find(|r| r.vrt == "missing_removed.vrt")
        .unwrap();
    check::<i16>(&ds, read, &bin).unwrap();
    ds.read_window::<i16>(0, Window::new(0, 0, 50, 40)).unwrap();
    let w = ds.warnings();
    assert_eq!(w.len(), 1, "{w:?}");
    assert!(w[0].contains("does_not_exist.tif"));
}

#[test]
fn absolute_paths_and_harmless_elements() {
    let d = temp_dir("absolute");
    let band = format!(
        "<Metadata><MDI key=\"x\">1</MDI></Metadata><NoDataValue>-5</NoDataValue><HideNoDataValue>1</HideNoDataValue>\
         <ColorInterp>Gray</ColorInterp><Offset>0</Offset><Scale>1</Scale><OverviewList resampling=\"average\">2 4</OverviewList>{}",
        simple(
            &a_tif(),
            &format!(
                r#"<SourceProperties RasterXSize="50" RasterYSize="40" DataType="Int16" BlockXSize="50" BlockYSize="40"/>{FULL}"#
            )
        )
    );
    let p = write(&d, "abs.vrt", &vrt("50", "40", &band));
    let ds = VrtDataset::open(&p).unwrap();
    assert_eq!(ds.nodata(0), None, "HideNoDataValue hides the nodata value");
    let (reads, bin) = oracle();
    let read = reads
        .iter()
        .find(|r| r.vrt == "missing_removed.vrt")
        .unwrap();
    check::<i16>(&ds, read, &bin).unwrap();
}

#[test]
fn caller_errors_are_usage_errors() {
    let ds = VrtDataset::open(fixture("overlap.vrt")).unwrap();
    let w = Window::new(0, 0, 4, 4);
    for e in [
        ds.read_window::<f32>(0, w).unwrap_err(),
        ds.read_window::<i16>(1, w).unwrap_err(),
        ds.read_window::<i16>(0, Window::new(94, 0, 4, 4))
            .unwrap_err(),
        ds.read_window::<i16>(0, Window::new(u64::MAX, 0, 4, 4))
            .unwrap_err(),
        ds.read_window_into::<i16>(0, w, &mut [0; 3]).unwrap_err(),
    ] {
        assert!(matches!(e, Error::Usage { .. }), "{e}");
    }
    for empty in [
        Window::new(3, 3, 0, 5),
        Window::new(3, 3, 5, 0),
        Window::new(95, 45, 0, 0),
    ] {
        assert!(ds.read_window::<i16>(0, empty).unwrap().is_empty());
    }
    let e = VrtDataset::open(fixture("nope.vrt")).unwrap_err();
    assert!(
        matches!(e, Error::Io { .. }) && e.to_string().contains("nope.vrt"),
        "{e}"
    );
}

#[test]
fn geo_keys_from_matching_source_or_epsg() {
    // bands.vrt: EPSG:4326 and its source carries the same CRS.
    let ds = VrtDataset::open(fixture("bands.vrt")).unwrap();
    let keys = ds.geo_keys().unwrap().unwrap();
    assert_eq!(keys.epsg(), Some(4326));
    // A projected SRS over a source without CRS: keys built from the EPSG code.
    let d = temp_dir("geokeys");
    let srs = std::fs::read_to_string(fixture("overlap.vrt")).unwrap();
    let start = srs.find("<SRS").unwrap();
    let end = srs.find("</SRS>").unwrap() + 6;
    let g = fixture("src/g.tif")
        .canonicalize()
        .unwrap()
        .display()
        .to_string();
    let text = format!(
        r#"<VRTDataset rasterXSize="31" rasterYSize="23">{}<VRTRasterBand dataType="Byte" band="1">{}</VRTRasterBand></VRTDataset>"#,
        &srs[start..end],
        simple(&g, "")
    );
    let ds = VrtDataset::open(write(&d, "g.vrt", &text)).unwrap();
    let keys = ds.geo_keys().unwrap().unwrap();
    assert_eq!(keys.epsg(), Some(32633));
    assert_eq!(keys.short(1024), Some(1), "projected model type");
    // Without SrcRect/DstRect the source's own size is used (opened at open time).
    assert_eq!(
        ds.read_window::<u8>(0, Window::new(0, 0, 31, 23))
            .unwrap()
            .len(),
        713
    );
    // No SRS: no keys.
    assert_eq!(
        VrtDataset::open(fixture("scaled.vrt"))
            .unwrap()
            .geo_keys()
            .unwrap(),
        None
    );
}

mod hostile {
    use super::*;
    use proptest::prelude::*;

    const NASTY: &[&str] = &[
        "-1",
        "0",
        "1e308",
        "-1e308",
        "nan",
        "inf",
        "-inf",
        "2147483647",
        "-2147483648",
        "0.0001",
        "99999999999",
        "abc",
        "",
        "3.7",
        "-0.4999",
    ];

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(96))]
        /// Any number in a real VRT replaced by a hostile value: open and reads return
        /// (Ok or Err) without panicking.
        #[test]
        fn hostile_numbers_never_panic(picks in prop::collection::vec((0usize..200, 0usize..15), 1..6)) {
            let text = std::fs::read_to_string(fixture("scaled.vrt")).unwrap();
            let src = fixture("src").canonicalize().unwrap().display().to_string();
            let mut text = text.replace(r#"relativeToVRT="1">src"#, &format!(r#"relativeToVRT="0">{src}"#));
            // Positions of every quoted or element number.
            let spans: Vec<(usize, usize)> = {
                let b = text.as_bytes();
                let mut v = Vec::new();
                let mut i = 0;
                while i < b.len() {
                    if (b[i] as char).is_ascii_digit() && i > 0 && matches!(b[i - 1], b'"' | b'>' | b'-') {
                        let start = if b[i - 1] == b'-' { i - 1 } else { i };
                        let mut j = i;
                        while j < b.len() && matches!(b[j], b'0'..=b'9' | b'.' | b'e' | b'+') {
                            j += 1;
                        }
                        v.push((start, j));
                        i = j;
                    } else {
                        i += 1;
                    }
                }
                v
            };
            let mut chosen: Vec<(usize, &str)> = picks.iter().map(|&(p, n)| (p % spans.len(), NASTY[n])).collect();
            chosen.sort_by_key(|c| std::cmp::Reverse(c.0));
            chosen.dedup_by_key(|c| c.0);
            for (k, value) in chosen {
                let (a, b) = spans[k];
                text.replace_range(a..b, value);
            }
            let d = temp_dir("hostile");
            let p = write(&d, "h.vrt", &text);
            if let Ok(ds) = VrtDataset::open(&p) {
                let (w, h) = (ds.width(), ds.height());
                if w * h <= 1 << 22 {
                    let _ = ds.read_window_f64(0, Window::new(0, 0, w, h));
                    let _ = ds.read_window_f64(0, Window::new(w / 3, h / 3, w - w / 3, h - h / 3));
                }
            }
        }
    }
}

//! Failures leave nothing behind: unwritable folders, a full disk, dropping the writer
//! unfinished, finishing early, misuse. Errors name the output path.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::{TestDir, list};
use rastagg_raster::SampleType;
use rastagg_writer::{Compression, Error, GeoTiffWriter, Options, Resampling};

fn small(t: SampleType) -> Options {
    let mut o = Options::new(100, 80, t);
    o.tile_width = 32;
    o.tile_height = 32;
    o
}

fn assert_names(err: &Error, path: &Path) {
    let msg = err.to_string();
    assert!(
        msg.contains(&path.display().to_string()),
        "error does not name {}: {msg}",
        path.display()
    );
}

#[test]
fn unwritable_folders_are_errors() {
    let dir = TestDir::new("nofolder");
    let missing = dir.path("missing/out.tif");
    let err = GeoTiffWriter::create(&missing, small(SampleType::U8))
        .err()
        .expect("must fail");
    assert!(matches!(err, Error::Io { .. }), "{err}");
    assert_names(&err, &missing);

    std::fs::write(dir.path("file"), b"x").expect("file");
    let under_file = dir.path("file/out.tif");
    let err = GeoTiffWriter::create(&under_file, small(SampleType::U8))
        .err()
        .expect("must fail");
    assert_names(&err, &under_file);
    assert_eq!(dir.entries(), ["file"]);
}

/// A folder made immutable with `chattr +i` (refuses new files even to root).
#[test]
fn immutable_folder_is_an_error() {
    let dir = TestDir::new("immutable");
    let locked = dir.path("locked");
    std::fs::create_dir(&locked).expect("dir");
    let chattr = |flag: &str| {
        Command::new("chattr")
            .arg(flag)
            .arg(&locked)
            .status()
            .is_ok_and(|s| s.success())
    };
    if !chattr("+i") {
        eprintln!("skipped: chattr +i is not available here");
        return;
    }
    let out = locked.join("out.tif");
    let result = GeoTiffWriter::create(&out, small(SampleType::F32));
    chattr("-i");
    let err = result.err().expect("must fail");
    assert_names(&err, &out);
    assert!(list(&locked).is_empty());
}

/// A 64 KiB tmpfs, unmounted when dropped.
struct TinyFs(PathBuf);

impl TinyFs {
    fn mount(at: PathBuf) -> Option<TinyFs> {
        std::fs::create_dir_all(&at).ok()?;
        let ok = Command::new("mount")
            .args(["-t", "tmpfs", "-o", "size=64k", "tmpfs"])
            .arg(&at)
            .stderr(std::process::Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        ok.then_some(TinyFs(at))
    }
}

impl Drop for TinyFs {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(&self.0).status();
    }
}

#[test]
fn full_disk_is_an_error_and_leaves_nothing() {
    let dir = TestDir::new("fulldisk");
    let Some(fs) = TinyFs::mount(dir.path("mnt")) else {
        eprintln!("skipped: cannot mount a tmpfs here (needs CAP_SYS_ADMIN)");
        return;
    };
    // 400×400 Float64 uncompressed: 1.25 MB into 64 KiB.
    let data = vec![1.5f64; 400 * 400];
    for cog in [None, Some(Resampling::Average)] {
        let out = fs.0.join("out.tif");
        let mut o = Options::new(400, 400, SampleType::F64);
        o.compression = Compression::None;
        o.cog = cog;
        let w = GeoTiffWriter::create(&out, o).expect("create");
        let result = w.write_rows(0, &data).and_then(|()| w.finish());
        let err = result.expect_err("a full disk must fail");
        assert!(matches!(err, Error::Io { .. }), "{err}");
        assert_names(&err, &out);
        assert!(list(&fs.0).is_empty(), "left behind: {:?}", list(&fs.0));
    }
}

#[test]
fn dropping_unfinished_leaves_nothing() {
    let dir = TestDir::new("drop");
    for cog in [None, Some(Resampling::Nearest)] {
        let mut o = small(SampleType::I16);
        o.cog = cog;
        let w = GeoTiffWriter::create(dir.path("out.tif"), o).expect("create");
        assert_eq!(
            dir.entries().len(),
            if cog.is_some() { 2 } else { 1 },
            "temporary files exist"
        );
        assert!(
            dir.entries().iter().all(|n| n.starts_with(".out.tif.")),
            "{:?}",
            dir.entries()
        );
        w.write_rows(0, &vec![3i16; 100 * 40]).expect("rows");
        drop(w);
        assert!(dir.entries().is_empty(), "{:?}", dir.entries());
    }
}

#[test]
fn finishing_early_fails_and_keeps_the_old_file() {
    let dir = TestDir::new("early");
    let out = dir.path("out.tif");
    std::fs::write(&out, b"old").expect("old file");
    let w = GeoTiffWriter::create(&out, small(SampleType::U8)).expect("create");
    w.write_rows(0, &vec![1u8; 100 * 50]).expect("rows");
    let err = w.finish().expect_err("incomplete");
    assert!(matches!(err, Error::Incomplete { .. }), "{err}");
    assert_names(&err, &out);
    assert_eq!(dir.entries(), ["out.tif"]);
    assert_eq!(std::fs::read(&out).expect("read"), b"old");

    let w = GeoTiffWriter::create(&out, small(SampleType::U8)).expect("create");
    w.write_rows(0, &vec![1u8; 100 * 80]).expect("rows");
    w.finish().expect("finish");
    assert_eq!(dir.entries(), ["out.tif"]);
    assert_eq!(&std::fs::read(&out).expect("read")[..2], b"II");
}

#[test]
fn misuse_is_reported_and_poisons_the_writer() {
    let dir = TestDir::new("misuse");
    let out = dir.path("out.tif");
    let create = || GeoTiffWriter::create(&out, small(SampleType::F32)).expect("create");
    let usage = |r: rastagg_writer::Result<()>| matches!(r, Err(Error::Usage { .. }));

    let w = create();
    assert!(usage(w.write_rows(0, &[1u8; 100])), "wrong type");
    assert!(matches!(
        w.write_rows(0, &vec![1f32; 100]),
        Err(Error::Failed { .. })
    ));
    assert!(matches!(w.finish(), Err(Error::Failed { .. })));

    // Each case on a fresh writer, dropped at the end of the case.
    type Case = fn(&GeoTiffWriter) -> rastagg_writer::Result<()>;
    let cases: [(&str, Case); 8] = [
        ("partial row", |w| w.write_rows(0, &vec![1f32; 150])),
        ("past the end", |w| w.write_rows(70, &vec![1f32; 100 * 11])),
        ("rows twice", |w| {
            w.write_rows(0, &vec![1f32; 100 * 10])?;
            w.write_rows(5, &vec![1f32; 100 * 3])
        }),
        ("row of a complete tile row twice", |w| {
            w.write_rows(0, &vec![1f32; 100 * 32])?;
            w.write_rows(31, &vec![1f32; 100])
        }),
        ("tile twice", |w| {
            w.write_tile(1, 1, &vec![1f32; 32 * 32])?;
            w.write_tile(1, 1, &vec![1f32; 32 * 32])
        }),
        ("tile outside", |w| w.write_tile(4, 0, &vec![1f32; 32 * 32])),
        ("short tile", |w| w.write_tile(0, 0, &vec![1f32; 32 * 31])),
        ("rows after tiles", |w| {
            w.write_tile(0, 0, &vec![1f32; 32 * 32])?;
            w.write_rows(40, &vec![1f32; 100])
        }),
    ];
    for (what, case) in cases {
        assert!(usage(case(&create())), "{what}");
    }
    assert!(dir.entries().is_empty(), "{:?}", dir.entries());

    let bad = |f: fn(&mut Options)| {
        let mut o = small(SampleType::U8);
        f(&mut o);
        matches!(GeoTiffWriter::create(&out, o), Err(Error::Options { .. }))
    };
    assert!(bad(|o| o.tile_width = 100));
    assert!(bad(|o| o.tile_height = 0));
    assert!(bad(|o| o.width = 0));
    assert!(bad(|o| o.compression = Compression::Deflate { level: 12 }));
    assert!(bad(|o| o.compression = Compression::Zstd { level: 3 }));
    assert!(bad(|o| o.nodata = Some(300.0)));
    assert!(bad(|o| o.nodata = Some(f64::NAN)));
    assert!(dir.entries().is_empty());
}

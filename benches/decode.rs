//! Whole-file decode throughput of the GeoTIFF reader, in decoded bytes per second, on one
//! thread and on all cores.
//!
//! Inputs: `world_lzw.tif` (Float32, LZW + predictor 2, strips) and `world_deflate.tif` (tiled,
//! Deflate + predictor 3) from `$RASTAGG_BENCH_DIR` (default `/tmp/rastagg-bench`), which
//! `benches/decode.sh` makes with `../shared/bench/make_world.py`; when they are absent the
//! bench runs on the small fixtures in `testdata/` instead. `benches/decode.sh` compares the
//! same decode with GDAL's.

// criterion 0.7's `criterion_group!` defines an undocumented public function.
#![allow(missing_docs)]

use std::path::PathBuf;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use rastagg_tiff::TiffFile;
use rayon::prelude::*;

/// The files to decode: the benchmark worlds if made, else two committed fixtures.
fn inputs() -> Vec<PathBuf> {
    let dir = std::env::var_os("RASTAGG_BENCH_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/tmp/rastagg-bench"));
    let worlds = [dir.join("world_lzw.tif"), dir.join("world_deflate.tif")];
    if worlds.iter().all(|p| p.exists()) {
        return worlds.to_vec();
    }
    eprintln!("{} not found: decoding testdata fixtures", dir.display());
    let testdata = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("testdata");
    vec![
        testdata.join("f32_deflate_p2_strip1.tif"),
        testdata.join("f32_lzw_p3_tile16.tif"),
    ]
}

/// Decodes every block of band 0 into a reused buffer, on the current thread.
fn decode_serial(tiff: &TiffFile, buf: &mut [f32]) {
    for index in 0..tiff.info().blocks_per_band() {
        tiff.decode_block(0, index, buf).expect("decode");
    }
}

/// Decodes every block of band 0 on rayon's pool, one buffer per task.
fn decode_parallel(tiff: &TiffFile, block_len: usize) {
    (0..tiff.info().blocks_per_band())
        .into_par_iter()
        .for_each_init(
            || vec![0f32; block_len],
            |buf, index| tiff.decode_block(0, index, buf).expect("decode"),
        );
}

fn bench(c: &mut Criterion) {
    for path in inputs() {
        let tiff = TiffFile::open(&path).expect("open bench input");
        let info = tiff.info();
        let name = path.file_stem().map(|s| s.to_string_lossy().into_owned());
        let block_len = (info.block_width * info.block_height) as usize;
        let mut group = c.benchmark_group(format!("decode/{}", name.unwrap_or_default()));
        group.sample_size(10);
        group.throughput(Throughput::Bytes(info.width * info.height * 4));
        let mut buf = vec![0f32; block_len];
        group.bench_function("1 thread", |b| b.iter(|| decode_serial(&tiff, &mut buf)));
        group.bench_function("all threads", |b| {
            b.iter(|| decode_parallel(&tiff, block_len))
        });
        group.finish();
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);

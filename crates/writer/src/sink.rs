//! Where encoded tiles go and how the file is laid out at the end.
//!
//! Plain GeoTIFF (direct): header and IFD first (space reserved at creation, their size is
//! known from the tile count), then the tiles of the full-resolution image in row-major index
//! order. Tiles that arrive early wait, encoded, in a reorder buffer until every tile before
//! them is written, so the bytes of the file do not depend on the order tiles arrive in (or
//! on the thread count). Memory stays small when callers deliver roughly in order (row band
//! after row band); a tile far ahead of the others waits in memory, compressed.
//!
//! COG (spooled): the data section must start with the smallest overview, which is known only
//! after the last full-resolution tile, so tiles of every level are appended to a spool file
//! next to the output as they come; `finish` writes the header, GDAL's structural metadata,
//! every IFD, then copies the tiles from the spool in GDAL's COG order, each with its leader
//! (size as u32) and trailer (last 4 bytes repeated). Order-independent as well.

use std::collections::BTreeMap;
use std::path::PathBuf;

use crate::error::{Error, Result};
use crate::output::Output;
use crate::tags::{Ifd, Value};

/// Where one tile is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stored {
    /// Left sparse (offset and byte count 0).
    Sparse,
    /// At `offset` in the output (direct) or the spool (COG), `len` bytes.
    At { offset: u64, len: u64 },
}

/// Builds the IFD of one level from its tile offsets and byte counts.
pub(crate) type IfdFor<'a> = &'a dyn Fn(usize, Value, Value) -> Ifd;

/// Receives encoded tiles; see the module documentation.
pub(crate) struct Sink {
    /// The output's temporary file.
    out: Output,
    /// COG only: the spool file.
    spool: Option<Output>,
    /// Per level, per tile (row-major): where it was put.
    stored: Vec<Vec<Option<Stored>>>,
    /// Direct only: the next tile index to write, and tiles waiting for it.
    next: u64,
    pending: BTreeMap<u64, Option<Vec<u8>>>,
    /// Tiles not received yet (all levels).
    missing: u64,
    /// BigTIFF or classic.
    big: bool,
    /// The final output path, for errors.
    target: PathBuf,
}

/// Why a tile was refused.
pub(crate) enum PutError {
    /// The tile was received before.
    Duplicate,
    /// Writing failed.
    Failed(Error),
}

/// The TIFF header: byte order, version, first IFD offset.
fn header(big: bool, first_ifd: u64) -> Vec<u8> {
    if big {
        let mut h = b"II\x2b\x00\x08\x00\x00\x00".to_vec();
        h.extend_from_slice(&first_ifd.to_le_bytes());
        h
    } else {
        let mut h = b"II\x2a\x00".to_vec();
        h.extend_from_slice(&(first_ifd as u32).to_le_bytes());
        h
    }
}

/// GDAL's COG structural metadata, written right after the header.
fn structural_metadata() -> Vec<u8> {
    let body = "LAYOUT=IFDS_BEFORE_DATA\nBLOCK_ORDER=ROW_MAJOR\nBLOCK_LEADER=SIZE_AS_UINT4\n\
                BLOCK_TRAILER=LAST_4_BYTES_REPEATED\nKNOWN_INCOMPATIBLE_EDITION=NO\n ";
    format!(
        "GDAL_STRUCTURAL_METADATA_SIZE={:06} bytes\n{body}",
        body.len()
    )
    .into_bytes()
}

impl Sink {
    /// A plain GeoTIFF with `tiles` tiles; the space for header and IFD (its size from
    /// `ifd_for` with placeholder offsets) is reserved at the start of `out`.
    pub fn direct(
        mut out: Output,
        tiles: u64,
        big: bool,
        ifd_for: IfdFor,
        target: PathBuf,
    ) -> Result<Sink> {
        let reserved =
            header(big, 0).len() as u64 + placeholder_ifd(0, tiles, big, ifd_for).len(big);
        out.write(&vec![0; reserved as usize])?;
        Ok(Sink {
            out,
            spool: None,
            stored: vec![vec![None; tiles as usize]],
            next: 0,
            pending: BTreeMap::new(),
            missing: tiles,
            big,
            target,
        })
    }

    /// A COG with `tiles[level]` tiles per level, spooled to `spool`.
    pub fn spooled(out: Output, spool: Output, tiles: &[u64], big: bool, target: PathBuf) -> Sink {
        Sink {
            out,
            spool: Some(spool),
            stored: tiles.iter().map(|&n| vec![None; n as usize]).collect(),
            next: 0,
            pending: BTreeMap::new(),
            missing: tiles.iter().sum(),
            big,
            target,
        }
    }

    /// Tiles not received yet.
    pub fn missing(&self) -> u64 {
        self.missing
    }

    /// Takes tile `index` of `level`: its encoded bytes, or `None` to leave it sparse.
    pub fn put(
        &mut self,
        level: usize,
        index: u64,
        tile: Option<Vec<u8>>,
    ) -> std::result::Result<(), PutError> {
        let slot = self
            .stored
            .get(level)
            .and_then(|s| s.get(index as usize))
            .ok_or(PutError::Duplicate)?;
        if slot.is_some() || self.pending.contains_key(&index) && self.spool.is_none() {
            return Err(PutError::Duplicate);
        }
        self.missing -= 1;
        if let Some(spool) = &mut self.spool {
            let stored = match tile {
                None => Stored::Sparse,
                Some(bytes) => {
                    let offset = spool.pos;
                    spool.write(&bytes).map_err(PutError::Failed)?;
                    Stored::At {
                        offset,
                        len: bytes.len() as u64,
                    }
                }
            };
            self.stored[level][index as usize] = Some(stored);
            return Ok(());
        }
        self.pending.insert(index, tile);
        while let Some(tile) = self.pending.remove(&self.next) {
            let stored = match tile {
                None => Stored::Sparse,
                Some(bytes) => {
                    let offset = self.out.pos;
                    self.out.write(&bytes).map_err(PutError::Failed)?;
                    Stored::At {
                        offset,
                        len: bytes.len() as u64,
                    }
                }
            };
            self.stored[0][self.next as usize] = Some(stored);
            self.next += 1;
        }
        Ok(())
    }

    fn too_large(&self) -> Error {
        Error::TooLarge {
            path: self.target.clone(),
            msg: "file exceeds 4 GiB, which classic TIFF cannot address; use BigTIFF".to_owned(),
        }
    }

    /// Offsets and byte counts of one level's tiles, with `place` mapping a stored tile to its
    /// final offset.
    fn arrays(&self, level: usize, place: impl Fn(u64) -> u64) -> Result<(Value, Value)> {
        let (mut offsets, mut counts) = (Vec::new(), Vec::new());
        for s in &self.stored[level] {
            let (o, c) = match s {
                Some(Stored::At { offset, len }) => (place(*offset), *len),
                _ => (0, 0),
            };
            offsets.push(o);
            counts.push(c);
        }
        let big = self.big;
        match (Value::offsets(&offsets, big), Value::offsets(&counts, big)) {
            (Some(o), Some(c)) => Ok((o, c)),
            _ => Err(self.too_large()),
        }
    }

    /// Completes the file (every tile must have been received) and renames it into place.
    pub fn finish(mut self, ifd_for: IfdFor) -> Result<()> {
        match self.spool.take() {
            Some(spool) => self.finish_cog(spool, ifd_for),
            None => self.finish_direct(ifd_for),
        }
    }

    fn finish_direct(mut self, ifd_for: IfdFor) -> Result<()> {
        let (offsets, counts) = self.arrays(0, |o| o)?;
        let at = header(self.big, 0).len() as u64;
        let ifd = ifd_for(0, offsets, counts)
            .encode(at, 0, self.big)
            .ok_or_else(|| self.too_large())?;
        let mut head = header(self.big, at);
        head.extend_from_slice(&ifd);
        if !self.big && self.out.pos > u64::from(u32::MAX) {
            return Err(self.too_large());
        }
        self.out.write_at(0, &head)?;
        self.out.commit()
    }

    fn finish_cog(mut self, mut spool: Output, ifd_for: IfdFor) -> Result<()> {
        let levels = self.stored.len();
        let ghost = structural_metadata();
        let first_ifd = (header(self.big, 0).len() + ghost.len()).next_multiple_of(2) as u64;
        // IFD positions: one after the other, full resolution first.
        let mut ifd_at = Vec::with_capacity(levels);
        let mut pos = first_ifd;
        for (level, s) in self.stored.iter().enumerate() {
            ifd_at.push(pos);
            pos += placeholder_ifd(level, s.len() as u64, self.big, ifd_for).len(self.big);
        }
        // Tile positions: smallest overview first, each tile between leader and trailer.
        let mut place: Vec<BTreeMap<u64, u64>> = vec![BTreeMap::new(); levels];
        for level in (0..levels).rev() {
            for s in self.stored[level].iter().flatten() {
                if let Stored::At { offset, len } = *s {
                    place[level].insert(offset, pos + 4);
                    pos += len + 8;
                }
            }
        }
        if !self.big && pos > u64::from(u32::MAX) {
            return Err(self.too_large());
        }
        let mut head = header(self.big, first_ifd);
        head.extend_from_slice(&ghost);
        head.resize(first_ifd as usize, 0);
        for level in 0..levels {
            let (offsets, counts) =
                self.arrays(level, |o| place[level].get(&o).copied().unwrap_or(0))?;
            let next = ifd_at.get(level + 1).copied().unwrap_or(0);
            let ifd = ifd_for(level, offsets, counts)
                .encode(ifd_at[level], next, self.big)
                .ok_or_else(|| self.too_large())?;
            head.extend_from_slice(&ifd);
        }
        self.out.write(&head)?;
        let mut buf = Vec::new();
        for level in (0..levels).rev() {
            for s in self.stored[level].iter().flatten() {
                if let Stored::At { offset, len } = *s {
                    spool.read_at(offset, len as usize, &mut buf)?;
                    self.out.write(&(len as u32).to_le_bytes())?;
                    self.out.write(&buf)?;
                    let mut trailer = [0u8; 4];
                    let tail = &buf[buf.len().saturating_sub(4)..];
                    trailer[4 - tail.len()..].copy_from_slice(tail);
                    self.out.write(&trailer)?;
                }
            }
        }
        self.out.commit()
    }
}

/// The IFD of `level` with all-zero offsets: same size as the final one.
fn placeholder_ifd(level: usize, tiles: u64, big: bool, ifd_for: IfdFor) -> Ifd {
    let zeros = |_| {
        if big {
            Value::Long8(vec![0; tiles as usize])
        } else {
            Value::Long(vec![0; tiles as usize])
        }
    };
    ifd_for(level, zeros(()), zeros(()))
}

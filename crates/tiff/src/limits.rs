//! Resource bounds that every parse and decode obeys, so no input can make the reader allocate
//! without limit.

/// Resource limits every decode obeys (the image-tiff approach): any size read from a file is
/// checked against these before memory is allocated for it.
///
/// Build with `Limits { max_window_bytes: .., ..Limits::default() }` so that new fields keep a
/// default.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Most entries one IFD may declare (default 4096).
    pub max_ifd_entries: u64,
    /// Most bytes the values of one tag may take, block offset arrays included (default 256 MiB).
    pub max_tag_bytes: u64,
    /// Most decoded bytes of one block (tile or strip, all samples; default 1 GiB).
    pub max_block_bytes: u64,
    /// Most bytes one `read_window` result may take (default 4 GiB).
    pub max_window_bytes: u64,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            max_ifd_entries: 4096,
            max_tag_bytes: 256 << 20,
            max_block_bytes: 1 << 30,
            max_window_bytes: 4 << 30,
        }
    }
}

/// Most IFDs followed in the chain after the image's (overviews, masks): a cap against
/// endless or absurdly long chains, on top of the cycle check.
pub(crate) const MAX_IFDS: usize = 4096;

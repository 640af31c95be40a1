//! GeoTIFF/BigTIFF reader: zero-copy block decoding from a memory map.

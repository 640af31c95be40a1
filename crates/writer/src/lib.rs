//! Tiled, compressed, crash-safe GeoTIFF writer.

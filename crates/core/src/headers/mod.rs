//! TODO(headers): being written.

//! TODO(reference): being written.

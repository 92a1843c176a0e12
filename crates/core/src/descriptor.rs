//! TODO(descriptor): being written.

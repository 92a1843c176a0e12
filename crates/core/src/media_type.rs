//! TODO(media_type): being written.

//! TODO(registry_error): being written.

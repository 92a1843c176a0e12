//! ociscope-core: OCI image references, digests, media types, descriptors, platforms,
//! manifests, registry error codes and HTTP header grammars. No I/O; builds for native and wasm32.

pub mod client;
pub mod content;
pub mod descriptor;
pub mod digest;
pub mod glob;
pub mod headers;
pub mod manifest;
pub mod media_type;
pub mod memory;
pub mod platform;
pub mod reference;
pub mod registry_error;
pub mod spec;

pub use descriptor::Descriptor;
pub use digest::{Algorithm, Digest, DigestError, Digester, Verifier};
pub use headers::HeaderError;
pub use manifest::{Manifest, ManifestContent, ManifestError, ManifestKind, ParseOptions};
pub use memory::MemoryRegistry;
pub use platform::Platform;
pub use reference::{AnyReference, Reference, ReferenceError};
pub use registry_error::{ErrorCode, ErrorInfo, RegistryError};

#[cfg(all(test, target_arch = "wasm32"))]
wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

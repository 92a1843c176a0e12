//! The files inside the demo layers: small, real and readable.

use ociscope_core::Platform;

use crate::tar::Entry;

/// `os/arch[/variant]`, as tools print platforms.
pub fn platform_name(p: &Platform) -> String {
    match &p.variant {
        Some(v) => format!("{}/{}/{v}", p.os, p.architecture),
        None => format!("{}/{}", p.os, p.architecture),
    }
}

const OS_RELEASE: &str = "NAME=\"ociscope demo Linux\"
ID=ociscope-demo
VERSION_ID=1.0
PRETTY_NAME=\"ociscope demo Linux 1.0 (tiny)\"
HOME_URL=\"https://example.invalid/ociscope\"
";

const PASSWD: &str = "root:x:0:0:root:/root:/bin/sh
app:x:1000:1000:hello app:/srv/hello:/sbin/nologin
";

const GROUP: &str = "root:x:0:
app:x:1000:
";

const HELLO_SH: &str = "#!/bin/sh
# hello.sh: greets whoever is named on the command line.
set -eu
greeting=\"${HELLO_GREETING:-Hello}\"
if [ \"${1:-}\" = \"--greet\" ]; then
    shift
fi
echo \"$greeting, ${1:-world}! (running on $(cat /srv/hello/platform.txt))\"
";

const HELLO_CMD: &str = "@echo off\r
rem hello.cmd: greets whoever is named on the command line.\r
if \"%HELLO_GREETING%\"==\"\" set HELLO_GREETING=Hello\r
echo %HELLO_GREETING%, %2! (running on windows/amd64)\r
";

/// The README shipped in the application layer.
pub fn readme(platform: &str) -> String {
    format!(
        "# hello\n\n\
         A tiny demo image pushed by `ociscope-demo` for **{platform}**.\n\n\
         - `hello.sh --greet NAME` prints a greeting (set `HELLO_GREETING` to change it).\n\
         - The image listens on nothing, but declares port 8080/tcp to show `ExposedPorts`.\n\
         - Every layer is a real tar+gzip; the config's `rootfs.diff_ids` are the sha256 of \
           the uncompressed tars.\n"
    )
}

/// The base layer: a minimal Linux root file system (or Windows `Files/` tree).
pub fn base_layer(p: &Platform) -> Vec<Entry> {
    if p.os == "windows" {
        return vec![
            Entry::file(
                "Files/Windows/System32/drivers/etc/hosts",
                "127.0.0.1 localhost\r\n::1 localhost\r\n",
            ),
            Entry::file(
                "Files/ProgramData/ociscope/os-version.txt",
                format!(
                    "{}\r\n",
                    p.os_version.as_deref().unwrap_or("10.0.20348.2340")
                ),
            ),
        ];
    }
    vec![
        Entry::file("etc/os-release", OS_RELEASE),
        Entry::file("etc/passwd", PASSWD),
        Entry::file("etc/group", GROUP),
        Entry::file("etc/hostname", "hello\n"),
        Entry::file("etc/ociscope/arch", format!("{}\n", platform_name(p))),
        Entry::symlink("usr/lib/os-release", "../../etc/os-release"),
    ]
}

/// The application layer: the script, its README and which platform it was built for.
pub fn app_layer(p: &Platform) -> Vec<Entry> {
    let name = platform_name(p);
    if p.os == "windows" {
        return vec![
            Entry::executable("Files/hello/hello.cmd", HELLO_CMD),
            Entry::file("Files/hello/README.md", readme(&name)),
            Entry::file("Files/hello/platform.txt", format!("{name}\r\n")),
        ];
    }
    vec![
        Entry::executable("usr/local/bin/hello.sh", HELLO_SH),
        Entry::symlink("usr/bin/hello", "/usr/local/bin/hello.sh"),
        Entry::file("srv/hello/README.md", readme(&name)),
        Entry::file("srv/hello/platform.txt", format!("{name}\n")),
    ]
}

/// A one-file layer for the small images that fill the many demo repositories.
pub fn tiny_layer(label: &str) -> Vec<Entry> {
    vec![Entry::file(
        "srv/tiny/README.md",
        format!("# {label}\n\nOne of many small demo images sharing this layer.\n"),
    )]
}

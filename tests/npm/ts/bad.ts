// Wrong use: `tsc --strict --noEmit` must refuse this file (tests/npm.sh checks the error).
import { Registry } from "ociscope";

// A user name without its password is none of the three credential shapes.
export const wrong = Registry.connect("http://127.0.0.1:5000", { username: "alice" });

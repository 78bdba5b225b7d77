// Writing output files (reports, traces, CSV) so that a failure loses nothing: the content goes to a temporary file
// beside the target, which replaces the target only once it is complete. Thread-safe for distinct paths.
#pragma once

#include <functional>
#include <ostream>
#include <string>
#include <string_view>

#include <ringlab/engine/status.h>

namespace ringlab {

// Writes what `body` streams to `path`. `what` names the content in error messages ("trace", "report").
// Errors: kNotFound when the directory does not exist, kInternal for any other I/O failure; the message names the
// path and the reason. On failure the target is untouched and no temporary file is left behind.
Status writeFileAtomically(const std::string& path, std::string_view what,
                           const std::function<void(std::ostream&)>& body);

}  // namespace ringlab

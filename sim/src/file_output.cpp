#include <ringlab/sim/file_output.h>

#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <fstream>
#include <system_error>

#include <fmt/format.h>

namespace ringlab {

Status writeFileAtomically(const std::string& path, std::string_view what,
                           const std::function<void(std::ostream&)>& body) {
  const std::string temporary = path + ".tmp." + std::to_string(::getpid());
  const auto failure = [&](ErrorCode code, int error) {
    std::remove(temporary.c_str());
    return Status(code, fmt::format("cannot write {} {}: {}", what, path,
                                    error ? std::generic_category().message(error) : std::string("I/O error")));
  };
  std::ofstream out;
  errno = 0;
  out.open(temporary, std::ios::binary | std::ios::trunc);
  if (!out) {
    const int error = errno;
    return failure(error == ENOENT || error == ENOTDIR ? ErrorCode::kNotFound : ErrorCode::kInternal, error);
  }
  errno = 0;
  body(out);
  out.flush();
  if (!out) return failure(ErrorCode::kInternal, errno);
  out.close();
  if (!out) return failure(ErrorCode::kInternal, errno);
  if (std::rename(temporary.c_str(), path.c_str()) != 0) return failure(ErrorCode::kInternal, errno);
  return Status::ok();
}

}  // namespace ringlab

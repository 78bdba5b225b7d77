#include <ringlab/engine/quorum.h>

#include <string>

namespace ringlab {

Status QuorumConfig::validate() const {
  if (n == 0) return Status(ErrorCode::kInvalidArgument, "N (replicas) must be at least 1");
  if (r == 0 || r > n) {
    return Status(ErrorCode::kInvalidArgument,
                  "R (" + std::to_string(r) + ") must be between 1 and N (" + std::to_string(n) + ")");
  }
  if (w == 0 || w > n) {
    return Status(ErrorCode::kInvalidArgument,
                  "W (" + std::to_string(w) + ") must be between 1 and N (" + std::to_string(n) + ")");
  }
  return Status::ok();
}

}  // namespace ringlab

#include <ringlab/net/descriptors.h>

#include <fcntl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <string>

#include <spdlog/spdlog.h>

#include <ringlab/net/log_limiter.h>

namespace ringlab::net {
namespace {

constexpr Duration kAcceptPause = std::chrono::milliseconds(100);
int g_spare = -1;

bool outOfResources(const boost::system::error_code& ec) {
  const int value = ec.value();
  return ec.category() == boost::system::system_category() &&
         (value == EMFILE || value == ENFILE || value == ENOBUFS || value == ENOMEM);
}

}  // namespace

std::size_t raiseDescriptorLimit(std::size_t wanted) {
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) != 0) return 1024;
  if (limit.rlim_cur != RLIM_INFINITY && limit.rlim_cur < wanted) {
    rlimit raised = limit;
    raised.rlim_cur = (limit.rlim_max == RLIM_INFINITY || limit.rlim_max > wanted) ? wanted : limit.rlim_max;
    if (::setrlimit(RLIMIT_NOFILE, &raised) == 0) limit = raised;
  }
  return limit.rlim_cur == RLIM_INFINITY ? wanted : static_cast<std::size_t>(limit.rlim_cur);
}

void reserveSpareDescriptor() {
  if (g_spare < 0) g_spare = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
}

void backOffAfterAcceptError(boost::asio::ip::tcp::acceptor& acceptor, const boost::system::error_code& ec,
                             std::string_view what, Runtime& runtime) {
  const bool exhausted = outOfResources(ec);
  logLimited(spdlog::level::warn, what,
             std::string(what) + " failed: " + ec.message() +
                 (exhausted ? "; dropping a waiting connection and pausing accepts for 100 ms" : ""));
  if (!exhausted) return;
  if (g_spare >= 0) {
    ::close(g_spare);
    g_spare = -1;
    const int fd = ::accept4(acceptor.native_handle(), nullptr, nullptr, SOCK_CLOEXEC);
    if (fd >= 0) ::close(fd);
    reserveSpareDescriptor();
  }
  runtime.sleepFor(kAcceptPause);
}

}  // namespace ringlab::net

// Readiness for systemd's Type=notify: what ringlabd sends to $NOTIFY_SOCKET, received on a socket of the test's own.
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <string>

#include <gtest/gtest.h>

#include <ringlab/net/service_notify.h>

#include "harness.h"

namespace ringlab::net {
namespace {

// A datagram socket bound where a service manager would listen, named in NOTIFY_SOCKET while it lives.
class NotifySocket {
 public:
  explicit NotifySocket(const std::string& path) : m_path(path) {
    m_fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    std::strncpy(address.sun_path, path.c_str(), sizeof(address.sun_path) - 1);
    ::unlink(path.c_str());
    m_bound = ::bind(m_fd, reinterpret_cast<const sockaddr*>(&address), sizeof(address)) == 0;
    timeval timeout{10, 0};
    ::setsockopt(m_fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
    ::setenv("NOTIFY_SOCKET", path.c_str(), 1);
  }
  ~NotifySocket() {
    ::unsetenv("NOTIFY_SOCKET");
    ::close(m_fd);
    ::unlink(m_path.c_str());
  }
  bool bound() const { return m_bound; }

  // The next message, or "" after 10 s without one.
  std::string receive() {
    char buffer[4096];
    const ssize_t n = ::recv(m_fd, buffer, sizeof(buffer), 0);
    return n > 0 ? std::string(buffer, static_cast<std::size_t>(n)) : std::string();
  }

 private:
  std::string m_path;
  int m_fd = -1;
  bool m_bound = false;
};

TEST(ServiceNotifyTest, SendsTheStateToTheSocketNamedInTheEnvironment) {
  ringlab::testing::TempDir dir("ringlab-notify");
  NotifySocket manager(dir.path() + "/notify");
  ASSERT_TRUE(manager.bound());
  EXPECT_TRUE(notifyServiceManager("READY=1\nSTATUS=serving"));
  EXPECT_EQ(manager.receive(), "READY=1\nSTATUS=serving");
}

TEST(ServiceNotifyTest, WithoutANotifySocketThereIsNothingToTell) {
  ::unsetenv("NOTIFY_SOCKET");
  EXPECT_TRUE(notifyServiceManager("READY=1"));
}

TEST(ServiceNotifyTest, ASocketThatIsNotThereIsReportedNotFatal) {
  ringlab::testing::TempDir dir("ringlab-notify");
  ::setenv("NOTIFY_SOCKET", (dir.path() + "/nobody-listens").c_str(), 1);
  EXPECT_FALSE(notifyServiceManager("READY=1"));
  ::setenv("NOTIFY_SOCKET", "relative/path", 1);
  EXPECT_FALSE(notifyServiceManager("READY=1"));
  ::unsetenv("NOTIFY_SOCKET");
}

TEST(ServiceNotifyTest, RingLabdSaysReadyOnceItServesAndStoppingOnSigterm) {
  ringlab::testing::TempDir dir("ringlab-notify");
  NotifySocket manager(dir.path() + "/notify");
  ASSERT_TRUE(manager.bound());
  ringlab::testing::NodeProcess node("n1", dir.path() + "/n1", {"--storage", "memory"});
  node.start();
  const std::string ready = manager.receive();
  EXPECT_EQ(ready.rfind("READY=1\n", 0), 0u) << "got: " << ready;
  EXPECT_NE(ready.find("STATUS=serving clients on port " + std::to_string(node.clientPort())), std::string::npos)
      << ready;
  EXPECT_TRUE(node.waitServing()) << "ready means serving";
  EXPECT_EQ(node.terminate(), 0);
  EXPECT_EQ(manager.receive(), "STOPPING=1");
}

}  // namespace
}  // namespace ringlab::net

#pragma once
// Readiness for a service manager: systemd's `Type=notify` (sd_notify(3)'s protocol, without linking libsystemd).
// The manager names a datagram socket in $NOTIFY_SOCKET (a path, or "@name" for the abstract namespace); the service
// sends newline-separated assignments such as "READY=1", "STOPPING=1" and "STATUS=text".
#include <string_view>

namespace ringlab::net {

// Sends `state` to $NOTIFY_SOCKET. Returns true when it was sent, or when NOTIFY_SOCKET is not set (nothing to tell);
// false when it is set but the message could not be sent (the caller may log that; it is never fatal).
bool notifyServiceManager(std::string_view state);

}  // namespace ringlab::net

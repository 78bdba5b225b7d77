// File descriptors: raising the process's limit at start, and what an accept loop does when it runs out, so that a
// flood of connections on one port cannot leave another port unable to accept (or the loop spinning on EMFILE).
//
// Threading: loop thread only (the spare descriptor is process-wide state).
#pragma once

#include <cstddef>
#include <string_view>

#include <boost/asio/ip/tcp.hpp>

#include <ringlab/engine/runtime.h>

namespace ringlab::net {

// Raises the soft RLIMIT_NOFILE towards `wanted`, at most to the hard limit. Returns the soft limit in force after.
std::size_t raiseDescriptorLimit(std::size_t wanted);

// Opens the spare descriptor (on /dev/null) that backOffAfterAcceptError() frees when the process is out of them.
// Call once at start; calling again does nothing.
void reserveSpareDescriptor();

// For an accept loop after accept failed with `ec` for any reason but the acceptor closing: logs it (a line a second
// at most, as `what`), and when the process or the system is out of descriptors or memory, drops one waiting
// connection (freeing the spare descriptor to accept it, closing it, and opening the spare again: its client sees a
// closed connection rather than hanging), then pauses 100 ms on the calling fiber before the loop accepts again.
void backOffAfterAcceptError(boost::asio::ip::tcp::acceptor& acceptor, const boost::system::error_code& ec,
                             std::string_view what, Runtime& runtime);

}  // namespace ringlab::net

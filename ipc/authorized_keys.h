// The CURVE public keys of the clients a server lets in (its allowlist), read
// from a file or from a directory of files, much like ssh's authorized_keys.
//
// A file holds one key per line, either bare or as `earshot keygen` prints it:
//
//   # Anna's laptop
//   public-key: rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7
//   Yne@$w-vo<fVvi]a<NY6T1ed:M$fCG*[IaLV{hID
//
// Blank lines and lines starting with '#' are skipped. A directory contributes
// every `*.pub` file in it (`earshot keygen --output` writes PREFIX.pub), so
// the secret `*.key` files beside them are never read.
// Plain functions: any thread.
#pragma once

#include <filesystem>
#include <set>
#include <string>

namespace earshot::ipc {

// The Z85 public keys (40 characters each). Throws std::runtime_error naming the
// file and line of a malformed key, a secret key given by mistake, an unreadable
// file or directory, or a list that holds no key at all.
std::set<std::string> load_authorized_keys(const std::filesystem::path& file_or_directory);

}  // namespace earshot::ipc

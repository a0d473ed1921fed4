#include "core/cancel.hpp"

namespace ferry::core {

CancellationToken& process_cancellation() {
    static CancellationToken token;
    return token;
}

}  // namespace ferry::core

#pragma once

#include <QStringView>

namespace jetdeck {

/// Orders names the way people read them: runs of digits by their value (S2 before S10,
/// n9 before n10), everything else ignoring case; names equal that way are ordered by their
/// exact text, so the order is total and stable. Negative, zero or positive like strcmp.
int naturalCompare(QStringView a, QStringView b);

} // namespace jetdeck

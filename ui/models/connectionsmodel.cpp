#include "connectionsmodel.h"

#include "ui/widgets/format.h"
#include "ui/widgets/theme.h"

#include <QFont>

namespace jetdeck {

ConnectionsModel::ConnectionsModel(QObject* parent)
    : ListTableModel(parent) {}

int ConnectionsModel::columnCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant ConnectionsModel::headerData(int section, Qt::Orientation orientation, int role) const {
    if (orientation != Qt::Horizontal)
        return {};
    if (role == Qt::DisplayRole) {
        switch (section) {
        case NameColumn:
            return tr("Connection");
        case StateColumn:
            return tr("State");
        case ServerColumn:
            return tr("Server");
        case RttColumn:
            return tr("RTT");
        case InColumn:
            return tr("In");
        case OutColumn:
            return tr("Out");
        case HeldColumn:
            return tr("Held");
        case BackpressureColumn:
            return tr("Backpressure (worst)");
        case ErrorsColumn:
            return tr("Errors");
        default:
            return {};
        }
    }
    if (role == Qt::ToolTipRole) {
        switch (section) {
        case RttColumn:
            return tr("The last PING round trip to the server in use");
        case InColumn:
            return tr("Messages in per second");
        case OutColumn:
            return tr("Messages out per second");
        case HeldColumn:
            return tr("Publishes held in the outbound queue while the connection is away");
        case BackpressureColumn:
            return tr("The worst backpressure verdict of the connection's consumers");
        case ErrorsColumn:
            return tr("Unread: errors in the connection's event log since it was last shown");
        default:
            return {};
        }
    }
    return {};
}

QVariant ConnectionsModel::data(const QModelIndex& index, int role) const {
    const ConnectionRow* r = rowAt(index.row());
    if (!r || index.column() < 0 || index.column() >= ColumnCount)
        return {};
    const bool up = r->state == ConnectionState::Connected;
    if (role == IdRole)
        return r->id;
    if (role == Qt::DisplayRole) {
        switch (index.column()) {
        case NameColumn:
            return r->name;
        case StateColumn:
            return connectionStateName(r->state);
        case ServerColumn:
            return r->server.isEmpty() ? QStringLiteral("-") : r->server;
        case RttColumn:
            return up && r->rttUs >= 0 ? format::micros(r->rttUs) : QStringLiteral("-");
        case InColumn:
            return up ? format::rate(r->inMsgsPerSec) : QStringLiteral("-");
        case OutColumn:
            return up ? format::rate(r->outMsgsPerSec) : QStringLiteral("-");
        case HeldColumn:
            return format::count(quint64(r->outboundHeld));
        case BackpressureColumn:
            if (r->worst == metrics::BackpressureLevel::Unknown)
                return r->consumers == 0 ? tr("no consumers") : QStringLiteral("-");
            return r->worstConsumer.isEmpty()
                       ? metrics::backpressureLevelName(r->worst)
                       : QStringLiteral("%1 (%2)").arg(metrics::backpressureLevelName(r->worst),
                                                       r->worstConsumer);
        case ErrorsColumn:
            return r->unreadErrors;
        default:
            return {};
        }
    }
    if (role == SortRole) {
        switch (index.column()) {
        case StateColumn:
            return int(r->state);
        case RttColumn:
            return r->rttUs;
        case InColumn:
            return r->inMsgsPerSec;
        case OutColumn:
            return r->outMsgsPerSec;
        case HeldColumn:
            return qlonglong(r->outboundHeld);
        case BackpressureColumn:
            return int(r->worst);
        case ErrorsColumn:
            return r->unreadErrors;
        default:
            return data(index, Qt::DisplayRole);
        }
    }
    if (role == Qt::ForegroundRole) {
        if (index.column() == StateColumn) {
            if (up)
                return roleColor(ColorRole::Good);
            if (r->failed)
                return roleColor(ColorRole::Bad);
            if (r->state == ConnectionState::Connecting ||
                r->state == ConnectionState::Reconnecting)
                return roleColor(ColorRole::Busy);
            return roleColor(ColorRole::Muted);
        }
        if (index.column() == ErrorsColumn && r->unreadErrors > 0)
            return roleColor(ColorRole::Bad);
        if (index.column() == HeldColumn && r->outboundHeld > 0)
            return roleColor(ColorRole::Warning);
        if (index.column() == BackpressureColumn) {
            if (r->worst == metrics::BackpressureLevel::Critical)
                return roleColor(ColorRole::BadCellText);
            if (r->worst == metrics::BackpressureLevel::Warn)
                return roleColor(ColorRole::WarningCellText);
            if (r->worst == metrics::BackpressureLevel::Ok)
                return roleColor(ColorRole::GoodCellText);
        }
        return {};
    }
    if (role == Qt::BackgroundRole && index.column() == BackpressureColumn) {
        if (r->worst == metrics::BackpressureLevel::Critical)
            return roleColor(ColorRole::BadCell);
        if (r->worst == metrics::BackpressureLevel::Warn)
            return roleColor(ColorRole::WarningCell);
        if (r->worst == metrics::BackpressureLevel::Ok)
            return roleColor(ColorRole::GoodCell);
        return {};
    }
    if (role == Qt::FontRole && index.column() == NameColumn) {
        // A link to its pages: underlined, bold for the one the window shows.
        QFont f;
        f.setUnderline(true);
        f.setBold(r->shown);
        return f;
    }
    if (role == Qt::ToolTipRole) {
        if (index.column() == StateColumn && !r->lastError.isEmpty())
            return r->lastError;
        if (index.column() == NameColumn)
            return tr("Click to show this connection's pages");
        return {};
    }
    if (role == Qt::TextAlignmentRole && index.column() >= RttColumn &&
        index.column() <= ErrorsColumn)
        return int(Qt::AlignRight | Qt::AlignVCenter);
    return {};
}

void ConnectionsModel::update(const QList<ConnectionRow>& rows) {
    replaceRows(rows, 0, ColumnCount - 1);
}

} // namespace jetdeck

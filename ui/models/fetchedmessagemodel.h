#pragma once

#include "core/jetstream/jsmessage.h"

#include "ui/models/listtablemodel.h"

#include <memory>

namespace jetdeck {

/// A message fetched from the consumer page, and what the user did with it.
struct FetchedMessage {
    std::shared_ptr<js::JsMessage> message;
    QDateTime fetchedAt;
    QString state; ///< "pending", "acked", "NAKed", "in progress", "terminated", or an error
};

/// The consumer page's fetched messages: stream sequence, subject, delivery count, size, how
/// long ago the stream stored it, and its state. Newest fetch last.
class FetchedMessageModel : public ListTableModel<FetchedMessage, const js::JsMessage*> {
    Q_OBJECT
public:
    enum Column {
        SeqColumn,
        SubjectColumn,
        DeliveredColumn,
        SizeColumn,
        StoredColumn,
        StateColumn,
        ColumnCount
    };
    enum Role { SortRole = Qt::UserRole + 1 };

    explicit FetchedMessageModel(QObject* parent = nullptr);

    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation,
                        int role = Qt::DisplayRole) const override;

    void update(const QList<FetchedMessage>& rows);

protected:
    /// One delivery: the same stream message delivered again is another row.
    const js::JsMessage* rowKey(const FetchedMessage& row) const override {
        return row.message.get();
    }
};

} // namespace jetdeck

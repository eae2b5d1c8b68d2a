#include "emptystate.h"

#include <QAbstractItemModel>
#include <QAbstractItemView>
#include <QEvent>
#include <QLabel>
#include <QObject>

namespace jetdeck {

namespace {

/// Keeps the label over the whole viewport when the viewport is resized.
class FollowSize : public QObject {
public:
    FollowSize(QWidget* viewport, QLabel* label)
        : QObject(label)
        , m_label(label) {
        viewport->installEventFilter(this);
    }
    bool eventFilter(QObject* watched, QEvent* event) override {
        if (event->type() == QEvent::Resize)
            m_label->setGeometry(static_cast<QWidget*>(watched)->rect().adjusted(24, 24, -24, -24));
        return false;
    }

private:
    QLabel* m_label;
};

} // namespace

EmptyState::EmptyState(QAbstractItemView* view, std::function<QString()> text)
    : m_view(view)
    , m_label(new QLabel(view->viewport()))
    , m_text(std::move(text)) {
    m_label->setObjectName(QStringLiteral("emptyState"));
    m_label->setAlignment(Qt::AlignCenter);
    m_label->setWordWrap(true);
    m_label->setAttribute(Qt::WA_TransparentForMouseEvents);
    m_label->setForegroundRole(QPalette::PlaceholderText);
    m_label->setGeometry(view->viewport()->rect().adjusted(24, 24, -24, -24));
    new FollowSize(view->viewport(), m_label);
    if (QAbstractItemModel* m = view->model()) {
        for (auto signal : {&QAbstractItemModel::rowsInserted, &QAbstractItemModel::rowsRemoved})
            QObject::connect(m, signal, m_label, [this] { update(); });
        QObject::connect(m, &QAbstractItemModel::modelReset, m_label, [this] { update(); });
        QObject::connect(m, &QAbstractItemModel::layoutChanged, m_label, [this] { update(); });
    }
    update();
}

void EmptyState::update() {
    const QAbstractItemModel* m = m_view->model();
    const bool empty = !m || m->rowCount() == 0;
    const QString t = empty ? m_text() : QString();
    if (m_label->text() != t)
        m_label->setText(t);
    m_label->setVisible(!t.isEmpty());
}

bool EmptyState::isShown() const {
    return m_label->isVisibleTo(m_view);
}

QString EmptyState::text() const {
    return m_label->isVisibleTo(m_view) ? m_label->text() : QString();
}

} // namespace jetdeck

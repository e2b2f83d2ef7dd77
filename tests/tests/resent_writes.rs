//! A write the SDK resends because its first answer was lost (DynamoDB
//! applied it, the answer timed out) must count as done, not as a conflict:
//! the resent request is byte for byte the first one, so these tests send
//! the same store write twice against the emulator's DynamoDB.

mod orders_support;

use cabinet::domain::order::{Actor, OrderNumber, OrderStatus, Rating, StatusChange, timestamp};
use cabinet::store::orders::{OrdersTable, Party, StatusUpdate};
use orders_support::*;
use time::OffsetDateTime;

fn change(actor: &User, from: OrderStatus, to: OrderStatus) -> StatusChange {
    StatusChange {
        at: timestamp(OffsetDateTime::now_utc()),
        actor: Actor::customer(&actor.sub),
        from: Some(from),
        to,
        reason: None,
    }
}

#[tokio::test]
async fn a_status_change_sent_twice_is_done_once_and_a_new_one_still_conflicts() {
    let world = world().await;
    let ivan = customer(&world.stack, "resent-cancel@example.ru").await;
    let number: OrderNumber = submit(&world, &ivan, PROVIDER)
        .await
        .try_into()
        .expect("the answer names a valid number");
    let table = OrdersTable::new(world.stack.dynamodb(), world.stack.table.clone());
    let cancel = change(&ivan, OrderStatus::Submitted, OrderStatus::Cancelled);
    let update = || StatusUpdate {
        change: &cancel,
        executor: None,
        expected_completion: None,
    };

    let first = table.change_status(&number, Party::Customer(&ivan.sub), update());
    assert!(first.await.expect("the emulator answers"));
    let resent = table.change_status(&number, Party::Customer(&ivan.sub), update());
    assert!(
        resent.await.expect("the emulator answers"),
        "the resent write found its own result and counts as done"
    );

    let card = customer_card(&world, &ivan, number.as_str()).await;
    assert_eq!(card["status"]["code"], "cancelled");
    let cancellations = history(&card)
        .into_iter()
        .filter(|entry| *entry == ("status".to_string(), "cancelled".to_string()))
        .count();
    assert_eq!(
        cancellations, 1,
        "the change is in the history once: {card}"
    );

    // Another change from the old status is a real conflict.
    let other = change(&ivan, OrderStatus::Submitted, OrderStatus::Cancelled);
    let late = StatusUpdate {
        change: &other,
        executor: None,
        expected_completion: None,
    };
    let refused = table.change_status(&number, Party::Customer(&ivan.sub), late);
    assert!(!refused.await.expect("the emulator answers"));
}

#[tokio::test]
async fn a_rating_sent_twice_is_kept_once_and_another_rating_is_refused() {
    let world = world().await;
    let ivan = customer(&world.stack, "resent-rating@example.ru").await;
    let olga = executor(&world.stack, "resent-executor@example.ru", PROVIDER).await;
    let number = submit(&world, &ivan, PROVIDER).await;
    let take = post_as(
        &world.backoffice,
        &olga,
        &format!("/executor/orders/{number}/take"),
        serde_json::json!({}),
    )
    .await;
    assert!(take.status.is_success(), "{}", take.body);
    let done = post_empty_as(
        &world.backoffice,
        &olga,
        &format!("/executor/orders/{number}/complete"),
    )
    .await;
    assert!(done.status.is_success(), "{}", done.body);

    let number: OrderNumber = number.try_into().expect("a valid number");
    let table = OrdersTable::new(world.stack.dynamodb(), world.stack.table.clone());
    let rating = Rating {
        score: 4,
        comment: None,
        rated_at: timestamp(OffsetDateTime::now_utc()),
    };
    assert!(
        table
            .rate(&number, &ivan.sub, &rating)
            .await
            .expect("the emulator answers")
    );
    assert!(
        table
            .rate(&number, &ivan.sub, &rating)
            .await
            .expect("the emulator answers"),
        "the resent rating found itself and counts as done"
    );
    let another = Rating {
        score: 1,
        comment: None,
        rated_at: timestamp(OffsetDateTime::now_utc() + time::Duration::seconds(1)),
    };
    assert!(
        !table
            .rate(&number, &ivan.sub, &another)
            .await
            .expect("the emulator answers")
    );
    let card = customer_card(&world, &ivan, number.as_str()).await;
    assert_eq!(card["rating"]["score"], 4);
}

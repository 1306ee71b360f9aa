-- Reference solution on MySQL: the guarded UPDATE decides; ROW_COUNT() says whether it took an
-- item; the order and its ledger row follow only then; one transaction, so a dying buyer
-- leaves nothing behind.
START TRANSACTION;
UPDATE products SET stock = stock - 1 WHERE id = :product AND stock > 0;
INSERT INTO orders (user, product, created_at)
    SELECT :user, :product, UNIX_TIMESTAMP(NOW(6)) FROM DUAL WHERE ROW_COUNT() = 1;
INSERT INTO stock_ledger (product, order_id, `change`, stock_after)
    SELECT :product, LAST_INSERT_ID(), -1, stock FROM products
    WHERE id = :product AND ROW_COUNT() = 1;
COMMIT;

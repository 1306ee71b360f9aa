-- Broken on purpose: guarded, but not one transaction: a buyer that dies after the UPDATE leaves an item taken and no order.
-- expect: FAIL orders = initial stock | one transaction
UPDATE products SET stock = stock - 1 WHERE id = :product AND stock > 0;
INSERT INTO orders (user, product, created_at)
    SELECT :user, :product, UNIX_TIMESTAMP(NOW(6)) FROM DUAL WHERE ROW_COUNT() = 1;
INSERT INTO stock_ledger (product, order_id, `change`, stock_after)
    SELECT :product, LAST_INSERT_ID(), -1, stock FROM products
    WHERE id = :product AND ROW_COUNT() = 1;

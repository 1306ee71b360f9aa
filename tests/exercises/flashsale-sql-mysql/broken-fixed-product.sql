-- Broken on purpose: sells product 1 whatever :product says.
-- expect: FAIL one purchase alone sells one item | not fixed numbers
START TRANSACTION;
UPDATE products SET stock = stock - 1 WHERE id = 1 AND stock > 0;
INSERT INTO orders (user, product, created_at)
    SELECT :user, 1, UNIX_TIMESTAMP(NOW(6)) FROM DUAL WHERE ROW_COUNT() = 1;
INSERT INTO stock_ledger (product, order_id, `change`, stock_after)
    SELECT 1, LAST_INSERT_ID(), -1, stock FROM products WHERE id = 1 AND ROW_COUNT() = 1;
COMMIT;

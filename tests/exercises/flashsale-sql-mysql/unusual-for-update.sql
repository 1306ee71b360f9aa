-- Correct, in another style: SELECT ... FOR UPDATE locks the row as it reads it, so no one else reads it until COMMIT.
-- expect: PASS
START TRANSACTION;
SELECT stock INTO @stock FROM products WHERE id = :product FOR UPDATE;
UPDATE products SET stock = stock - 1 WHERE id = :product AND @stock > 0;
INSERT INTO orders (user, product, created_at)
    SELECT :user, :product, UNIX_TIMESTAMP(NOW(6)) FROM DUAL WHERE @stock > 0;
INSERT INTO stock_ledger (product, order_id, `change`, stock_after)
    SELECT :product, LAST_INSERT_ID(), -1, @stock - 1 FROM DUAL WHERE @stock > 0;
COMMIT;

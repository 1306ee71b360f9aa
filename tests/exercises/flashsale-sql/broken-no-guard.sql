-- Broken on purpose: no guard: the UPDATE takes an item even when none is left.
-- expect: FAIL stock never below zero | WHERE stock > 0
BEGIN IMMEDIATE;
UPDATE products SET stock = stock - 1 WHERE id = :product;
INSERT INTO orders (user, product, created_at) VALUES (:user, :product, julianday('now'));
INSERT INTO stock_ledger (product, order_id, change, stock_after)
    SELECT :product, last_insert_rowid(), -1, stock FROM products WHERE id = :product;
COMMIT;

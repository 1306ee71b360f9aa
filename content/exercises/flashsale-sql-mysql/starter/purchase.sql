-- One purchase on MySQL (InnoDB), for :user and :product. Right for one buyer at a time;
-- what about 2,000?
UPDATE products SET stock = stock - 1 WHERE id = :product;
INSERT INTO orders (user, product, created_at) VALUES (:user, :product, UNIX_TIMESTAMP(NOW(6)));
INSERT INTO stock_ledger (product, order_id, `change`, stock_after)
    VALUES (:product, LAST_INSERT_ID(), -1, (SELECT stock FROM products WHERE id = :product));

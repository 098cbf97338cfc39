-- A small shop database written for the tests: never seen by the code it tests.
CREATE TABLE customer (id INTEGER, name TEXT, city TEXT, vip BOOLEAN);
CREATE TABLE product (id INTEGER, title TEXT, price REAL, category TEXT);
CREATE TABLE orders (id INTEGER, customer_id INTEGER, product_id INTEGER, quantity INTEGER, day TEXT);
INSERT INTO customer VALUES (1, 'ada', 'paris', 1), (2, 'bob', 'lyon', 0), (3, 'cy', 'paris', 0), (4, 'dee', NULL, 1);
INSERT INTO product VALUES (1, 'pen', 1.5, 'office'), (2, 'desk', 120.0, 'furniture'), (3, 'lamp', 35.25, 'furniture'), (4, 'ink', 7.0, 'office');
INSERT INTO orders VALUES (1, 1, 1, 10, '2024-01-03'), (2, 1, 2, 1, '2024-01-05'), (3, 2, 3, 2, '2024-02-11'),
  (4, 3, 1, 3, '2024-02-12'), (5, 3, 4, 5, '2024-03-01'), (6, 1, 3, 1, '2024-03-02');

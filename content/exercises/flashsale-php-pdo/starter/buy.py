"""The shop's purchase: POST /buy with the form fields user and product, on 127.0.0.1:25011.

    python3 buy.py

Answers 201 with the order when the buyer got the item, 409 when the product is sold out.
Right for one buyer at a time. What about sixteen at once?
Needs PyMySQL: python3 -m pip install pymysql
"""

import urllib.parse
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pymysql


def connect():
    return pymysql.connect(host="127.0.0.1", port=25010, user="shop", password="",
                           database="flash_sale", autocommit=True)


def pay(user, order):
    """Charges the buyer for an order. The payment service takes a while (about 150 ms)."""
    urllib.request.urlopen(f"http://127.0.0.1:25012/pay?user={user}&order={order}").read()


class Shop(BaseHTTPRequestHandler):
    def do_POST(self):
        length = int(self.headers.get("Content-Length", 0))
        form = urllib.parse.parse_qs(self.rfile.read(length).decode())
        user = int(form.get("user", ["0"])[0])
        product = int(form.get("product", ["0"])[0])
        db = connect()
        try:
            with db.cursor() as cursor:
                cursor.execute("SELECT stock FROM products WHERE id = %s", (product,))
                row = cursor.fetchone()
                if row is None or row[0] <= 0:
                    return self.answer(409, "sold out")
                cursor.execute("UPDATE products SET stock = stock - 1 WHERE id = %s", (product,))
                cursor.execute("INSERT INTO orders (user, product, created_at)"
                               " VALUES (%s, %s, UNIX_TIMESTAMP(NOW(6)))", (user, product))
                order = cursor.lastrowid
        finally:
            db.close()
        pay(user, order)
        self.answer(201, f"ordered {order}")

    def answer(self, status, text):
        body = (text + "\n").encode()
        self.send_response(status)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


ThreadingHTTPServer(("127.0.0.1", 25011), Shop).serve_forever()

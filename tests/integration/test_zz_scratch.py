from tests.factories import Store, make_product
from tests.integration.product_files import csv_bytes, run, messages, warnings, english  # noqa

H = ["id","handle","sku","composite_handle","composite_sku","composite_quantity","name","retail_price","inventory_Main","tags","outlet_tax_Main"]

def show(o):
    print(o.status, o.message)
    for m in messages(o): print("E", m)
    for m in warnings(o): print("W", m)

def test_composite(shop: Store):
    import uuid
    u = lambda: str(uuid.uuid4())
    rows = [H,
        [u(),"set","SET","","","","Set","10","","",""],
        [u(),"cup","CUP","","","","Cup","3","-3","a;b; c","Default Tax"],
        [u(),"set","SET","cup","CUP","2","Set","10","","",""],
        [u(),"saucer","SAU","","","","Saucer","-2","4","",""],
        [u(),"set","SET","saucer","SAU","1","","","","",""],
    ]
    try:
        show(run(shop.db, csv_bytes(rows)))
    except Exception as e:
        import traceback; traceback.print_exc()

<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="en_US" sourcelanguage="th_TH">
<context>
    <name>AddressPicker</name>
    <message>
        <source>บ้านเลขที่</source>
        <translation>House number</translation>
    </message>
    <message>
        <source>หมู่ที่</source>
        <translation>Village number (Moo)</translation>
    </message>
    <message>
        <source>รหัสไปรษณีย์</source>
        <translation>Postal code</translation>
    </message>
    <message>
        <source>จังหวัด</source>
        <translation>Province</translation>
    </message>
    <message>
        <source>อำเภอ/เขต</source>
        <translation>District</translation>
    </message>
    <message>
        <source>ตำบล/แขวง</source>
        <translation>Subdistrict</translation>
    </message>
    <message>
        <source>หมู่</source>
        <translation>Moo</translation>
    </message>
</context>
<context>
    <name>Allergy</name>
    <message>
        <source>แน่นอน</source>
        <translation>certain</translation>
    </message>
    <message>
        <source>น่าจะใช่</source>
        <translation>probable</translation>
    </message>
    <message>
        <source>อาจจะใช่</source>
        <translation>possible</translation>
    </message>
    <message>
        <source>ไม่น่าใช่</source>
        <translation>unlikely</translation>
    </message>
    <message>
        <source>ไม่สามารถจำแนกได้</source>
        <translation>unclassifiable</translation>
    </message>
    <message>
        <source>ไม่ร้ายแรง</source>
        <translation>non-serious</translation>
    </message>
    <message>
        <source>ร้ายแรง-เสียชีวิต</source>
        <translation>serious: death</translation>
    </message>
    <message>
        <source>ร้ายแรง-อันตรายถึงชีวิต</source>
        <translation>serious: life-threatening</translation>
    </message>
    <message>
        <source>ร้ายแรง-ต้องนอนโรงพยาบาล</source>
        <translation>serious: hospitalisation</translation>
    </message>
    <message>
        <source>ร้ายแรง-ทำให้นอนโรงพยาบาลนานขึ้น</source>
        <translation>serious: prolonged hospitalisation</translation>
    </message>
    <message>
        <source>ร้ายแรง-พิการ</source>
        <translation>serious: disability</translation>
    </message>
    <message>
        <source>ร้ายแรง-ความผิดปกติแต่กำเนิด</source>
        <translation>serious: congenital anomaly</translation>
    </message>
    <message>
        <source>อันตรายสูง</source>
        <translation>high risk</translation>
    </message>
</context>
<context>
    <name>AllergyDialog</name>
    <message>
        <source>บันทึกการแพ้ยา/สาร</source>
        <translation>Record an allergy</translation>
    </message>
    <message>
        <source>เลือกยาจากบัญชียาของหน่วย</source>
        <translation>Choose a drug from the unit&apos;s drug list</translation>
    </message>
    <message>
        <source>- ไม่เลือก (พิมพ์ชื่อสิ่งที่แพ้เอง) -</source>
        <translation>- none (type the substance below) -</translation>
    </message>
    <message>
        <source>ยาในบัญชียา</source>
        <translation>From the drug list</translation>
    </message>
    <message>
        <source>สิ่งที่แพ้</source>
        <translation>Substance</translation>
    </message>
    <message>
        <source>ชื่อยาหรือสารที่แพ้ เช่น Penicillin, อาหารทะเล</source>
        <translation>The drug or substance, e.g. Penicillin, seafood</translation>
    </message>
    <message>
        <source>อาการที่แพ้</source>
        <translation>Reaction</translation>
    </message>
    <message>
        <source>เช่น ผื่นลมพิษ ตาบวม หายใจลำบาก</source>
        <translation>e.g. hives, swollen eyes, difficult breathing</translation>
    </message>
    <message>
        <source>ความแน่นอน</source>
        <translation>Certainty</translation>
    </message>
    <message>
        <source>ความรุนแรง</source>
        <translation>Severity</translation>
    </message>
</context>
<context>
    <name>AllergyReasonDialog</name>
    <message>
        <source>ผู้ป่วยแพ้ยาที่สั่ง</source>
        <translation>Allergic to a prescribed drug</translation>
    </message>
    <message>
        <source>เหตุผลที่ให้ยาที่ผู้ป่วยแพ้</source>
        <translation>Why the drug is given despite the allergy</translation>
    </message>
    <message>
        <source>เช่น ไม่มียาอื่น แพทย์สั่งโดยทราบประวัติแพ้</source>
        <translation>e.g. no alternative; the doctor prescribed it knowing of the allergy</translation>
    </message>
    <message>
        <source>ให้ยาพร้อมเหตุผลนี้</source>
        <translation>Give it, with this reason</translation>
    </message>
    <message>
        <source>กลับไปแก้รายการยา</source>
        <translation>Back to change the drugs</translation>
    </message>
    <message>
        <source>ผู้ป่วยมีประวัติแพ้ยาที่สั่ง:</source>
        <translation>The patient is allergic to a prescribed drug:</translation>
    </message>
    <message>
        <source>ถ้าจำเป็นต้องให้ยานี้ โปรดระบุเหตุผล (บันทึกไว้กับการจ่ายยาและในบันทึกการใช้งาน) หรือกลับไปแก้รายการยา</source>
        <translation>If it must be given, give the reason (kept with the dispensing and in the audit trail), or go back and change the drugs.</translation>
    </message>
</context>
<context>
    <name>AppointmentBox</name>
    <message>
        <source>นัดครั้งต่อไป</source>
        <translation>Next appointment</translation>
    </message>
    <message>
        <source>นัดอีก</source>
        <translation>Appointment in</translation>
    </message>
    <message>
        <source>นัดอีก…</source>
        <translation>In…</translation>
    </message>
    <message>
        <source>วันที่นัด</source>
        <translation>Appointment day</translation>
    </message>
    <message>
        <source>เดือนที่นัด</source>
        <translation>Appointment month</translation>
    </message>
    <message>
        <source>ปีที่นัด (พ.ศ.)</source>
        <translation>Appointment year (Buddhist era)</translation>
    </message>
    <message>
        <source>ปีที่นัด</source>
        <translation>Appointment year</translation>
    </message>
    <message>
        <source>ปฏิทิน…</source>
        <translation>Calendar…</translation>
    </message>
    <message>
        <source>เลือกวันนัดจากปฏิทิน</source>
        <translation>Pick the appointment day from a calendar</translation>
    </message>
    <message>
        <source>เหตุที่นัด</source>
        <translation>Reason for the appointment</translation>
    </message>
    <message>
        <source>เหตุที่นัด เช่น ติดตามความดัน</source>
        <translation>Reason, e.g. blood pressure follow-up</translation>
    </message>
    <message>
        <source>ไม่มีวันที่นี้ในเดือนนั้น</source>
        <translation>No such day in that month</translation>
    </message>
    <message>
        <source>{weekday} (อีก {days} วัน)</source>
        <translation>{weekday} (in {days} days)</translation>
    </message>
</context>
<context>
    <name>AppointmentsView</name>
    <message>
        <source>วันนัด</source>
        <translation>Date</translation>
    </message>
    <message>
        <source>ชื่อ-สกุล</source>
        <translation>Name</translation>
    </message>
    <message>
        <source>นัดเพื่อ</source>
        <translation>Reason</translation>
    </message>
    <message>
        <source>สถานะ</source>
        <translation>Status</translation>
    </message>
    <message>
        <source>รายชื่อนัดหมาย</source>
        <translation>Appointments</translation>
    </message>
    <message>
        <source>ช่วงนัดหมาย</source>
        <translation>Appointments to show</translation>
    </message>
    <message>
        <source>แสดง</source>
        <translation>Show</translation>
    </message>
    <message>
        <source>{count} ราย</source>
        <translation>Patients: {count}</translation>
    </message>
</context>
<context>
    <name>CalendarPopup</name>
    <message>
        <source>ปฏิทินเลือกวันนัด</source>
        <translation>Calendar: pick the appointment day</translation>
    </message>
    <message>
        <source>เดือนก่อน</source>
        <translation>Previous month</translation>
    </message>
    <message>
        <source>เดือนถัดไป</source>
        <translation>Next month</translation>
    </message>
</context>
<context>
    <name>CardDeskUi</name>
    <message>
        <source>ไม่พบเครื่องอ่านบัตร</source>
        <translation>No card reader</translation>
    </message>
    <message>
        <source>เครื่องอ่านบัตร: รอเสียบบัตร</source>
        <translation>Card reader: waiting for a card</translation>
    </message>
    <message>
        <source>กำลังอ่านบัตร… อย่าเพิ่งดึงบัตรออก</source>
        <translation>Reading the card… do not pull it out yet</translation>
    </message>
    <message>
        <source>อ่านบัตรแล้ว</source>
        <translation>Card read</translation>
    </message>
    <message>
        <source>บัตรหมดอายุ</source>
        <translation>card expired</translation>
    </message>
</context>
<context>
    <name>ChartPage</name>
    <message>
        <source>วันที่</source>
        <translation>Date</translation>
    </message>
    <message>
        <source>หน่วยบริการ</source>
        <translation>Facility</translation>
    </message>
    <message>
        <source>อาการสำคัญ</source>
        <translation>Chief complaint</translation>
    </message>
    <message>
        <source>การวินิจฉัย</source>
        <translation>Diagnosis</translation>
    </message>
    <message>
        <source>กราฟความดันโลหิตและน้ำหนัก</source>
        <translation>Blood pressure and weight chart</translation>
    </message>
    <message>
        <source>วัคซีน</source>
        <translation>Vaccine</translation>
    </message>
    <message>
        <source>วัคซีนที่ได้รับ</source>
        <translation>Vaccines given</translation>
    </message>
    <message>
        <source>บันทึกการตรวจ (Ctrl+N)</source>
        <translation>Record a visit (Ctrl+N)</translation>
    </message>
    <message>
        <source>ประวัติการรับบริการ (ดับเบิลคลิกหรือ Enter เพื่อดูรายละเอียด)</source>
        <translation>Visits (double-click or Enter for details)</translation>
    </message>
    <message>
        <source>แสดงรายการที่บันทึกผิดพลาด</source>
        <translation>Show visits entered in error</translation>
    </message>
    <message>
        <source>ส่งเข้ารายการวันนี้ (Ctrl+T)</source>
        <translation>Check in (Ctrl+T)</translation>
    </message>
    <message>
        <source>ประวัติจากหน่วยอื่น…</source>
        <translation>Records from other facilities…</translation>
    </message>
    <message>
        <source>บันทึกการแพ้…</source>
        <translation>Add an allergy…</translation>
    </message>
    <message>
        <source>ส่งต่อ…</source>
        <translation>Refer…</translation>
    </message>
    <message>
        <source>แก้ไขข้อมูลผู้ป่วย…</source>
        <translation>Correct details…</translation>
    </message>
    <message>
        <source>ประวัติการรับบริการ (รวมหน่วยบริการอื่นที่ได้รับความยินยอม) ดับเบิลคลิกหรือกด Enter เพื่อดูรายละเอียด</source>
        <translation>Visits (including other facilities under consent); double-click or press Enter for details</translation>
    </message>
    <message>
        <source>หน่วยนี้</source>
        <translation>This unit</translation>
    </message>
    <message>
        <source>{facility} (ตามความยินยอม)</source>
        <translation>{facility} (with consent)</translation>
    </message>
    <message>
        <source>{facility} (ฉุกเฉิน)</source>
        <translation>{facility} (emergency)</translation>
    </message>
    <message>
        <source>{facility} (ตามการส่งต่อ)</source>
        <translation>{facility} (under a referral)</translation>
    </message>
    <message>
        <source>{years} ปี</source>
        <translation>{years} years</translation>
    </message>
    <message>
        <source>ประมาณ {age}</source>
        <translation>about {age}</translation>
    </message>
    <message>
        <source>{name}   อายุ {age}   เลขประจำตัวประชาชน {cid}</source>
        <translation>{name}   Age {age}   Citizen ID {cid}</translation>
    </message>
    <message>
        <source>แพ้ยา/สาร: {allergies}</source>
        <translation>Allergies: {allergies}</translation>
    </message>
    <message>
        <source>ไม่มีประวัติแพ้</source>
        <translation>No known allergies</translation>
    </message>
    <message>
        <source>[บันทึกผิดพลาด]</source>
        <translation>[entered in error]</translation>
    </message>
    <message>
        <source>รายการที่บันทึกผิดพลาด: {count}</source>
        <translation>Visits entered in error: {count}</translation>
    </message>
    <message>
        <source>ครบกำหนดวัคซีน (EPI): {doses}</source>
        <translation>Vaccines due (EPI): {doses}</translation>
    </message>
    <message>
        <source>ไม่มีวัคซีนค้าง (EPI)</source>
        <translation>No vaccines due (EPI)</translation>
    </message>
    <message>
        <source>ส่งต่อ {facility} ({when}): {state}</source>
        <translation>Referred to {facility} ({when}): {state}</translation>
    </message>
    <message>
        <source>ประวัติจาก {facility} ถูกกันไว้ ไม่ใช่ผู้ป่วยคนนี้ (โดย {who})</source>
        <translation>Records from {facility} are set aside: not this patient (by {who})</translation>
    </message>
    <message>
        <source>ข้อมูลผู้ป่วยที่ {facility} ไม่ตรงกับของหน่วยนี้ (เลขประจำตัวประชาชนเดียวกัน) ประวัติจากที่นั่นยังไม่แสดง:</source>
        <translation>{facility}&apos;s record of this citizen ID does not match this unit&apos;s; its records are not shown yet:</translation>
    </message>
    <message>
        <source>• {what}: หน่วยนี้ {ours} / {facility} {theirs}</source>
        <translation>• {what}: this unit {ours} / {facility} {theirs}</translation>
    </message>
    <message>
        <source>เป็นคนเดียวกัน แสดงประวัติ</source>
        <translation>Same person: show the records</translation>
    </message>
    <message>
        <source>เป็นคนเดียวกัน แสดงประวัติอีกครั้ง</source>
        <translation>Same person after all: show the records</translation>
    </message>
    <message>
        <source>ไม่ใช่คนเดียวกัน กันประวัตินี้ไว้</source>
        <translation>Not the same person: set these records aside</translation>
    </message>
    <message>
        <source>นัดครั้งต่อไป: {day}</source>
        <translation>Next appointment: {day}</translation>
    </message>
    <message>
        <source>ไม่มีนัดครั้งต่อไป</source>
        <translation>No next appointment</translation>
    </message>
    <message>
        <source>บันทึกผิดพลาด</source>
        <translation>Entered in error</translation>
    </message>
    <message>
        <source>แก้ไขการรับบริการ — {name}</source>
        <translation>Correct the visit — {name}</translation>
    </message>
</context>
<context>
    <name>ChronicView</name>
    <message>
        <source>ชื่อ-สกุล</source>
        <translation>Name</translation>
    </message>
    <message>
        <source>หมู่</source>
        <translation>Moo</translation>
    </message>
    <message>
        <source>โรค</source>
        <translation>Disease</translation>
    </message>
    <message>
        <source>เป็นตั้งแต่</source>
        <translation>Since</translation>
    </message>
    <message>
        <source>มาตรวจล่าสุด</source>
        <translation>Last visit</translation>
    </message>
    <message>
        <source>ความดันล่าสุด</source>
        <translation>Last blood pressure</translation>
    </message>
    <message>
        <source>น้ำตาลล่าสุด</source>
        <translation>Last blood sugar</translation>
    </message>
    <message>
        <source>นัดครั้งต่อไป</source>
        <translation>Next appointment</translation>
    </message>
    <message>
        <source>ต้องติดตาม</source>
        <translation>Follow-up needed</translation>
    </message>
    <message>
        <source>ทะเบียนผู้ป่วยโรคเรื้อรัง</source>
        <translation>Chronic disease register</translation>
    </message>
    <message>
        <source>เฉพาะที่ต้องติดตาม</source>
        <translation>Only those needing follow-up</translation>
    </message>
    <message>
        <source>{count} ราย ต้องติดตาม {late} ราย</source>
        <translation>Patients: {count} · needing follow-up: {late}</translation>
    </message>
</context>
<context>
    <name>ConsentPage</name>
    <message>
        <source>เลขประจำตัวประชาชน 13 หลัก</source>
        <translation>13-digit citizen ID</translation>
    </message>
    <message>
        <source>เลขประจำตัวประชาชนของผู้ป่วย</source>
        <translation>Patient&apos;s citizen ID</translation>
    </message>
    <message>
        <source>ขอความยินยอมกี่วัน</source>
        <translation>Consent for how many days</translation>
    </message>
    <message>
        <source>ขอความยินยอมและประวัติ</source>
        <translation>Ask for consent</translation>
    </message>
    <message>
        <source>ดูประวัติจากหน่วยอื่น</source>
        <translation>Show records</translation>
    </message>
    <message>
        <source>เข้าถึงฉุกเฉิน</source>
        <translation>Emergency access</translation>
    </message>
    <message>
        <source>ผู้ป่วย</source>
        <translation>Patient</translation>
    </message>
    <message>
        <source>วัน</source>
        <translation>Days</translation>
    </message>
    <message>
        <source>เลขประจำตัวประชาชน</source>
        <translation>Citizen ID</translation>
    </message>
    <message>
        <source>สถานะ</source>
        <translation>Status</translation>
    </message>
    <message>
        <source>ขอเมื่อ</source>
        <translation>Requested</translation>
    </message>
    <message>
        <source>คำขอความยินยอม (ดับเบิลคลิกหรือ Enter เพื่อดูประวัติจากหน่วยอื่น)</source>
        <translation>Consent requests (double-click or Enter for the records from other facilities)</translation>
    </message>
    <message>
        <source>วันที่</source>
        <translation>Date</translation>
    </message>
    <message>
        <source>คำขอความยินยอม</source>
        <translation>Consent requests</translation>
    </message>
    <message>
        <source>หน่วยบริการ</source>
        <translation>Facility</translation>
    </message>
    <message>
        <source>ประเภท</source>
        <translation>Type</translation>
    </message>
    <message>
        <source>รายละเอียด</source>
        <translation>Details</translation>
    </message>
    <message>
        <source>ได้มาโดย</source>
        <translation>Obtained by</translation>
    </message>
    <message>
        <source>ประวัติจากหน่วยบริการอื่น</source>
        <translation>Records from other facilities</translation>
    </message>
    <message>
        <source>ประวัติจากหน่วยบริการอื่น (อ่านอย่างเดียว)</source>
        <translation>Records from other facilities (read only)</translation>
    </message>
    <message>
        <source>(ไม่ได้ลงทะเบียนที่หน่วยนี้)</source>
        <translation>(not registered at this unit)</translation>
    </message>
    <message>
        <source>บันทึกคำขอแล้ว จะส่งเมื่อซิงก์</source>
        <translation>Saved; it goes out at the next sync</translation>
    </message>
    <message>
        <source>ขอความยินยอมได้ด้วยปุ่ม “ขอความยินยอมและประวัติ” เมื่อผู้ป่วยกดยินยอมในแอปแล้ว ประวัติจะมาหลังการซิงก์ครั้งถัดไป</source>
        <translation>Ask for it with the “Ask for consent” button; once the patient allows it in the app, the records come with the next sync.</translation>
    </message>
    <message>
        <source>ความยินยอม</source>
        <translation>Consent</translation>
    </message>
    <message>
        <source>ฉุกเฉิน</source>
        <translation>Emergency</translation>
    </message>
</context>
<context>
    <name>Corrections</name>
    <message>
        <source>การวินิจฉัยหลัก</source>
        <translation>principal diagnosis</translation>
    </message>
    <message>
        <source>โรคร่วม</source>
        <translation>comorbidity</translation>
    </message>
    <message>
        <source>โรคแทรกซ้อน</source>
        <translation>complication</translation>
    </message>
    <message>
        <source>อื่น ๆ</source>
        <translation>other</translation>
    </message>
    <message>
        <source>สาเหตุภายนอก</source>
        <translation>external cause</translation>
    </message>
    <message>
        <source>อาการสำคัญ</source>
        <translation>complaint</translation>
    </message>
    <message>
        <source>บันทึกเพิ่มเติม</source>
        <translation>note</translation>
    </message>
    <message>
        <source>สัญญาณชีพ</source>
        <translation>vital signs</translation>
    </message>
    <message>
        <source>การวินิจฉัย</source>
        <translation>diagnoses</translation>
    </message>
    <message>
        <source>ยา</source>
        <translation>drugs</translation>
    </message>
    <message>
        <source>วัคซีน</source>
        <translation>vaccine</translation>
    </message>
    <message>
        <source>หัตถการ</source>
        <translation>procedures</translation>
    </message>
    <message>
        <source>ชื่อ-สกุล</source>
        <translation>name</translation>
    </message>
    <message>
        <source>เพศ</source>
        <translation>sex</translation>
    </message>
    <message>
        <source>วันเกิด</source>
        <translation>birth date</translation>
    </message>
    <message>
        <source>เลขประจำตัว</source>
        <translation>identifiers</translation>
    </message>
    <message>
        <source>ที่อยู่</source>
        <translation>address</translation>
    </message>
    <message>
        <source>โทรศัพท์</source>
        <translation>phone</translation>
    </message>
    <message>
        <source>สิทธิการรักษา</source>
        <translation>insurance right</translation>
    </message>
    <message>
        <source>บันทึกซ้ำ ไม่มีสิ่งใดเปลี่ยน</source>
        <translation>saved again, nothing changed</translation>
    </message>
    <message>
        <source>แก้ไข: {parts}</source>
        <translation>corrected: {parts}</translation>
    </message>
    <message>
        <source>ทำเครื่องหมายบันทึกผิดพลาด เหตุผล: {reason}</source>
        <translation>marked entered in error; reason: {reason}</translation>
    </message>
    <message>
        <source>บันทึกการรับบริการ</source>
        <translation>recorded the visit</translation>
    </message>
    <message>
        <source>ลงทะเบียนมารับบริการ</source>
        <translation>checked in</translation>
    </message>
    <message>
        <source>เริ่มตรวจ</source>
        <translation>started the visit</translation>
    </message>
    <message>
        <source>ยกเลิก (กลับก่อนได้รับบริการ)</source>
        <translation>cancelled (left before being seen)</translation>
    </message>
    <message>
        <source>ลงทะเบียนผู้ป่วย</source>
        <translation>registered the patient</translation>
    </message>
    <message>
        <source>บันทึกการแพ้</source>
        <translation>recorded an allergy</translation>
    </message>
    <message>
        <source>(จ่ายยาที่แพ้ เหตุผล: {reason})</source>
        <translation>(a drug allergy overridden; reason: {reason})</translation>
    </message>
    <message>
        <source>{when}  {who}  {what}</source>
        <translation>{when}  {who}  {what}</translation>
    </message>
</context>
<context>
    <name>DiagnosisRow</name>
    <message>
        <source>ประเภทการวินิจฉัย {code}</source>
        <translation>Diagnosis type of {code}</translation>
    </message>
</context>
<context>
    <name>DrugDialog</name>
    <message>
        <source>แก้ไขยา</source>
        <translation>Edit a drug</translation>
    </message>
    <message>
        <source>เพิ่มยา</source>
        <translation>Add a drug</translation>
    </message>
    <message>
        <source>เช่น 1 หรือ 0.5</source>
        <translation>e.g. 1 or 0.5</translation>
    </message>
    <message>
        <source>เช่น เม็ด แคปซูล ขวด หลอด</source>
        <translation>e.g. tablet, capsule, bottle, tube</translation>
    </message>
    <message>
        <source>เว้นว่างถ้าเหมือนหน่วยจ่าย เช่น ช้อนชา</source>
        <translation>Empty if the same as the dispensing unit; e.g. teaspoon</translation>
    </message>
    <message>
        <source>ไม่ระบุ</source>
        <translation>Not given</translation>
    </message>
</context>
<context>
    <name>DrugRow</name>
    <message>
        <source>ยาพิมพ์เอง</source>
        <translation>Typed-in drug</translation>
    </message>
    <message>
        <source>ชื่อยาที่พิมพ์เอง</source>
        <translation>Name of the typed-in drug</translation>
    </message>
    <message>
        <source>ชื่อยาและความแรง</source>
        <translation>Drug name and strength</translation>
    </message>
    <message>
        <source>พิมพ์เอง ไม่อยู่ในบัญชียา</source>
        <translation>Typed in, not on the drug list</translation>
    </message>
    <message>
        <source>ขนาดต่อครั้ง {drug}</source>
        <translation>Dose of {drug}</translation>
    </message>
    <message>
        <source>ความถี่ {drug}</source>
        <translation>Frequency of {drug}</translation>
    </message>
    <message>
        <source>มื้ออาหาร {drug}</source>
        <translation>Meal timing of {drug}</translation>
    </message>
    <message>
        <source> วัน</source>
        <translation> days</translation>
    </message>
    <message>
        <source>จำนวนวัน {drug}</source>
        <translation>Days of {drug}</translation>
    </message>
    <message>
        <source>จำนวนที่จ่าย {drug}</source>
        <translation>Quantity dispensed of {drug}</translation>
    </message>
    <message>
        <source>คำนวณจากขนาด × ความถี่ × จำนวนวัน แก้ไขได้</source>
        <translation>Worked out as dose × frequency × days; can be changed</translation>
    </message>
    <message>
        <source>หน่วยของยาที่พิมพ์เอง</source>
        <translation>Unit of the typed-in drug</translation>
    </message>
    <message>
        <source>หน่วย</source>
        <translation>Unit</translation>
    </message>
    <message>
        <source>ครั้งละ</source>
        <translation>Dose</translation>
    </message>
    <message>
        <source>จ่าย</source>
        <translation>Dispense</translation>
    </message>
    <message>
        <source>(เลือกความถี่เพื่อให้มีวิธีใช้บนฉลาก)</source>
        <translation>(choose a frequency for the label&apos;s instructions)</translation>
    </message>
    <message>
        <source>⚠ แพ้ {allergy}</source>
        <translation>⚠ Allergy: {allergy}</translation>
    </message>
</context>
<context>
    <name>DuplicatesDialog</name>
    <message>
        <source>ผู้ป่วยซ้ำ (เลขประจำตัวประชาชนเดียวกัน)</source>
        <translation>Duplicate patients (same citizen ID)</translation>
    </message>
    <message>
        <source>แฟ้มที่มีเลขประจำตัวประชาชนเดียวกันคือผู้ป่วยคนเดียวกัน เลือกแฟ้มที่จะเก็บไว้ แล้วกด &quot;รวมแฟ้ม&quot; ประวัติการรับบริการทั้งหมดของแฟ้มอื่นในกลุ่มจะย้ายมาอยู่ในแฟ้มที่เก็บ (บันทึกในประวัติการใช้งาน และส่งไปยังระบบกลางเมื่อซิงก์)</source>
        <translation>Records with the same citizen ID are one patient. Select the record to keep and press &quot;Merge&quot;: every visit of the group&apos;s other records moves to the kept one (recorded in the audit trail, and sent to the hub at the next sync).</translation>
    </message>
    <message>
        <source>เลขประจำตัวประชาชน</source>
        <translation>Citizen ID</translation>
    </message>
    <message>
        <source>ชื่อ-สกุล</source>
        <translation>Name</translation>
    </message>
    <message>
        <source>วันเกิด</source>
        <translation>Birth date</translation>
    </message>
    <message>
        <source>เพศ</source>
        <translation>Sex</translation>
    </message>
    <message>
        <source>มารับบริการ (ครั้ง)</source>
        <translation>Visits</translation>
    </message>
    <message>
        <source>ข้อมูลอื่น</source>
        <translation>Other records</translation>
    </message>
    <message>
        <source>บันทึกล่าสุด</source>
        <translation>Last updated</translation>
    </message>
    <message>
        <source>ผู้ป่วยซ้ำ เลือกแฟ้มที่จะเก็บไว้</source>
        <translation>Duplicate patients: select the record to keep</translation>
    </message>
    <message>
        <source>รวมแฟ้ม: เก็บแฟ้มที่เลือก</source>
        <translation>Merge: keep the selected record</translation>
    </message>
    <message>
        <source>พบ {count} กลุ่ม</source>
        <translation>{count} group(s) found.</translation>
    </message>
    <message>
        <source>ไม่พบผู้ป่วยซ้ำ</source>
        <translation>No duplicate patients.</translation>
    </message>
    <message>
        <source>เก็บแฟ้ม HN {keep} ({name}) และรวมแฟ้ม HN {drops} เข้าไป?

ประวัติการรับบริการทั้งหมดจะย้ายมาอยู่ในแฟ้มที่เก็บ แฟ้มที่รวมเข้าไปจะเลิกใช้ การรวมแฟ้มจะบันทึกในประวัติการใช้งาน</source>
        <translation>Keep HN {keep} ({name}) and merge HN {drops} into it?

Every visit moves to the kept record; the merged record is no longer used. The merge is recorded in the audit trail.</translation>
    </message>
    <message>
        <source>รวมแฟ้มแล้ว จะส่งไปยังระบบกลางเมื่อซิงก์</source>
        <translation>Merged; the change goes to the hub at the next sync.</translation>
    </message>
</context>
<context>
    <name>Elements</name>
    <message>
        <source>ชื่อ-สกุล</source>
        <translation>Name</translation>
    </message>
    <message>
        <source>โทรศัพท์</source>
        <translation>Phone</translation>
    </message>
    <message>
        <source>ที่อยู่</source>
        <translation>Address</translation>
    </message>
    <message>
        <source>วันเกิด</source>
        <translation>Birth date</translation>
    </message>
    <message>
        <source>เพศ</source>
        <translation>Sex</translation>
    </message>
    <message>
        <source>เลขประจำตัว</source>
        <translation>Identifiers</translation>
    </message>
    <message>
        <source>ข้อมูลเพิ่มเติม (สิทธิ ฯลฯ)</source>
        <translation>Extra data (insurance right etc.)</translation>
    </message>
    <message>
        <source>ใช้งานอยู่</source>
        <translation>Active</translation>
    </message>
    <message>
        <source>เสียชีวิต</source>
        <translation>Deceased</translation>
    </message>
    <message>
        <source>วันที่เสียชีวิต</source>
        <translation>Date of death</translation>
    </message>
    <message>
        <source>สถานภาพสมรส</source>
        <translation>Marital status</translation>
    </message>
    <message>
        <source>อาการสำคัญ</source>
        <translation>Chief complaint</translation>
    </message>
    <message>
        <source>ช่วงเวลา</source>
        <translation>Period</translation>
    </message>
    <message>
        <source>สถานะ</source>
        <translation>Status</translation>
    </message>
    <message>
        <source>รหัส/ชื่อ</source>
        <translation>Code/name</translation>
    </message>
    <message>
        <source>ค่าที่วัดได้</source>
        <translation>Measured value</translation>
    </message>
    <message>
        <source>บันทึก</source>
        <translation>Note</translation>
    </message>
    <message>
        <source>สถานะทางคลินิก</source>
        <translation>Clinical status</translation>
    </message>
    <message>
        <source>การยืนยัน</source>
        <translation>Verification</translation>
    </message>
    <message>
        <source>ความรุนแรง</source>
        <translation>Criticality</translation>
    </message>
    <message>
        <source>จำนวน</source>
        <translation>Quantity</translation>
    </message>
    <message>
        <source>ยา</source>
        <translation>Drug</translation>
    </message>
    <message>
        <source>วัคซีน</source>
        <translation>Vaccine</translation>
    </message>
    <message>
        <source>วันที่ให้</source>
        <translation>Date given</translation>
    </message>
    <message>
        <source>วันที่ตรวจ</source>
        <translation>Date measured</translation>
    </message>
    <message>
        <source>วันที่จ่าย</source>
        <translation>Date dispensed</translation>
    </message>
</context>
<context>
    <name>EmergencyDialog</name>
    <message>
        <source>เข้าถึงข้อมูลฉุกเฉิน</source>
        <translation>Emergency access</translation>
    </message>
    <message>
        <source>ใช้เมื่อผู้ป่วยไม่รู้สึกตัวและต้องทราบประวัติทันทีเท่านั้น การเข้าถึงจะถูกบันทึกและตรวจสอบ</source>
        <translation>Only for an unconscious patient whose history is needed now. It is recorded and reviewed.</translation>
    </message>
    <message>
        <source>เลขประจำตัวประชาชน</source>
        <translation>Citizen ID</translation>
    </message>
    <message>
        <source>เหตุผล (อย่างน้อย {count} ตัวอักษร)</source>
        <translation>Reason (at least {count} characters)</translation>
    </message>
    <message>
        <source>เหตุผล</source>
        <translation>Reason</translation>
    </message>
    <message>
        <source>ข้าพเจ้ายืนยันว่าเป็นกรณีฉุกเฉิน</source>
        <translation>I confirm this is an emergency</translation>
    </message>
</context>
<context>
    <name>EpiView</name>
    <message>
        <source>เฉพาะที่เลยกำหนด</source>
        <translation>Overdue only</translation>
    </message>
    <message>
        <source>หมู่ / บ้านเลขที่</source>
        <translation>Moo / house no.</translation>
    </message>
    <message>
        <source>ชื่อ-สกุล</source>
        <translation>Name</translation>
    </message>
    <message>
        <source>อายุ</source>
        <translation>Age</translation>
    </message>
    <message>
        <source>วัคซีนที่ถึงกำหนด</source>
        <translation>Vaccines due</translation>
    </message>
    <message>
        <source>เลยกำหนด</source>
        <translation>Overdue</translation>
    </message>
    <message>
        <source>เด็กที่ถึงกำหนดรับวัคซีน แยกตามหมู่บ้าน</source>
        <translation>Children with vaccines due, by village</translation>
    </message>
    <message>
        <source>{village} ({count} คน, เลยกำหนด {late} คน)</source>
        <translation>{village} (children: {count}, overdue: {late})</translation>
    </message>
    <message>
        <source>{count} คน เลยกำหนด {late} คน</source>
        <translation>Children: {count} · overdue: {late}</translation>
    </message>
</context>
<context>
    <name>F43ReviewDialog</name>
    <message>
        <source>แถวที่นำเข้าไม่ได้ (43 แฟ้ม)</source>
        <translation>Rows not imported (43 files)</translation>
    </message>
    <message>
        <source>แถวเหล่านี้ไม่ผ่านการตรวจเมื่อนำเข้า 43 แฟ้มแบบนำเข้าเฉพาะแถวที่ถูกต้อง เลือกแถว แก้ค่าในตารางด้านขวา แล้วกด &quot;นำเข้าอีกครั้ง&quot; แถวที่นำเข้าได้จะออกจากรายการ (แถวที่ถูกกันไว้เพราะแถวนี้จะนำเข้าตามไปด้วย) หรือบันทึกเป็น 43 แฟ้มเพื่อแก้ในระบบเดิม</source>
        <translation>These rows did not pass the checks when the 43 files were imported with &quot;only the valid rows&quot;. Choose a row, correct its values in the table on the right and press &quot;Import again&quot;: a row that imports leaves the list (with the rows held back because of it). Or save them as 43 files to correct in the old system.</translation>
    </message>
    <message>
        <source>แฟ้ม</source>
        <translation>File</translation>
    </message>
    <message>
        <source>บรรทัด</source>
        <translation>Line</translation>
    </message>
    <message>
        <source>เหตุผล</source>
        <translation>Reason</translation>
    </message>
    <message>
        <source>แถวที่นำเข้าไม่ได้</source>
        <translation>Rows not imported</translation>
    </message>
    <message>
        <source>ข้อมูลในแถว แก้ค่าได้</source>
        <translation>The row&apos;s fields (editable)</translation>
    </message>
    <message>
        <source>ช่อง</source>
        <translation>Field</translation>
    </message>
    <message>
        <source>ค่า</source>
        <translation>Value</translation>
    </message>
    <message>
        <source>นำเข้าอีกครั้ง</source>
        <translation>Import again</translation>
    </message>
    <message>
        <source>นำออกจากรายการ…</source>
        <translation>Take off the list…</translation>
    </message>
    <message>
        <source>บันทึกเป็น 43 แฟ้ม…</source>
        <translation>Save as 43 files…</translation>
    </message>
    <message>
        <source>{count} แถวรอแก้</source>
        <translation>Rows to correct: {count}</translation>
    </message>
    <message>
        <source>ไม่มีแถวที่นำเข้าไม่ได้</source>
        <translation>No rows waiting</translation>
    </message>
    <message>
        <source> (แก้ไขแล้ว)</source>
        <translation> (corrected)</translation>
    </message>
    <message>
        <source>{file} บรรทัดที่ {line} จาก {source}{edited}
เหตุผล: {reason}</source>
        <translation>{file} line {line} from {source}{edited}
Reason: {reason}</translation>
    </message>
    <message>
        <source>นำเข้าแล้ว {count} แถว</source>
        <translation>Rows imported: {count}</translation>
    </message>
    <message>
        <source>ยังนำเข้าไม่ได้: {reason}</source>
        <translation>Still not imported: {reason}</translation>
    </message>
    <message>
        <source>นำ {file} บรรทัดที่ {line} ออกจากรายการโดยไม่นำเข้า?
แถวนี้จะไม่ถูกนำเข้า และบันทึกเป็น 43 แฟ้มไม่ได้อีก</source>
        <translation>Take {file} line {line} off the list without importing it?
The row will not be imported, and can no longer be saved as 43 files.</translation>
    </message>
    <message>
        <source>นำออกจากรายการแล้ว {count} แถว</source>
        <translation>Rows taken off the list: {count}</translation>
    </message>
    <message>
        <source>บันทึกแถวที่นำเข้าไม่ได้เป็น 43 แฟ้ม</source>
        <translation>Save the rows not imported as 43 files</translation>
    </message>
    <message>
        <source>43 แฟ้ม (*.zip)</source>
        <translation>43 files (*.zip)</translation>
    </message>
    <message>
        <source>บันทึกแถวที่นำเข้าไม่ได้เป็น 43 แฟ้มแล้ว:
{path}
{rows}</source>
        <translation>The rows not imported were saved as 43 files:
{path}
{rows}</translation>
    </message>
</context>
<context>
    <name>FindPage</name>
    <message>
        <source>{years} ปี</source>
        <translation>{years} y</translation>
    </message>
    <message>
        <source>ค้นหา: เลขประจำตัวประชาชน, HN, ชื่อ-สกุล (ไทย/อังกฤษ), เบอร์โทร</source>
        <translation>Search: citizen ID, HN, name (Thai or English), phone</translation>
    </message>
    <message>
        <source>ค้นหาผู้ป่วย</source>
        <translation>Find a patient</translation>
    </message>
    <message>
        <source>ส่งเข้ารายการวันนี้ (Ctrl+T)</source>
        <translation>Check in (Ctrl+T)</translation>
    </message>
    <message>
        <source>ชื่อ-สกุล</source>
        <translation>Name</translation>
    </message>
    <message>
        <source>เลขประจำตัวประชาชน</source>
        <translation>Citizen ID</translation>
    </message>
    <message>
        <source>อายุ</source>
        <translation>Age</translation>
    </message>
    <message>
        <source>เพศ</source>
        <translation>Sex</translation>
    </message>
    <message>
        <source>ผลการค้นหา</source>
        <translation>Search results</translation>
    </message>
</context>
<context>
    <name>FollowUp</name>
    <message>
        <source>พิมพ์ / บันทึก PDF</source>
        <translation>Print / save PDF</translation>
    </message>
    <message>
        <source>เบาหวาน</source>
        <translation>Diabetes</translation>
    </message>
    <message>
        <source>ความดันโลหิตสูง</source>
        <translation>Hypertension</translation>
    </message>
    <message>
        <source>ยังไม่เคยมาตรวจ</source>
        <translation>No visit yet</translation>
    </message>
    <message>
        <source>ไม่ได้มาตรวจเกิน {days} วัน</source>
        <translation>No visit for over {days} days</translation>
    </message>
    <message>
        <source>ขาดนัด</source>
        <translation>Missed appointment</translation>
    </message>
    <message>
        <source>{months} เดือน</source>
        <translation>{months} mo</translation>
    </message>
    <message>
        <source>ไม่ถึง 1 เดือน</source>
        <translation>Under 1 month</translation>
    </message>
    <message>
        <source>{years} ปี</source>
        <translation>{years} y</translation>
    </message>
    <message>
        <source>{years} ปี {months} เดือน</source>
        <translation>{years} y {months} mo</translation>
    </message>
    <message>
        <source>หมู่ {number}</source>
        <translation>Moo {number}</translation>
    </message>
    <message>
        <source>ไม่ระบุหมู่</source>
        <translation>Moo not given</translation>
    </message>
    <message>
        <source>รอมาตามนัด</source>
        <translation>Expected</translation>
    </message>
    <message>
        <source>มาตามนัดแล้ว</source>
        <translation>Came</translation>
    </message>
    <message>
        <source>วันนี้</source>
        <translation>Today</translation>
    </message>
    <message>
        <source>7 วันข้างหน้า</source>
        <translation>Next 7 days</translation>
    </message>
    <message>
        <source>ขาดนัด ({days} วันที่ผ่านมา)</source>
        <translation>Missed (last {days} days)</translation>
    </message>
    <message>
        <source>ชื่อ-สกุล</source>
        <translation>Name</translation>
    </message>
    <message>
        <source>หมู่</source>
        <translation>Moo</translation>
    </message>
    <message>
        <source>โรค</source>
        <translation>Disease</translation>
    </message>
    <message>
        <source>เป็นตั้งแต่</source>
        <translation>Since</translation>
    </message>
    <message>
        <source>มาตรวจล่าสุด</source>
        <translation>Last visit</translation>
    </message>
    <message>
        <source>ความดันล่าสุด</source>
        <translation>Last blood pressure</translation>
    </message>
    <message>
        <source>น้ำตาลล่าสุด</source>
        <translation>Last blood sugar</translation>
    </message>
    <message>
        <source>นัดครั้งต่อไป</source>
        <translation>Next appointment</translation>
    </message>
    <message>
        <source>ต้องติดตาม</source>
        <translation>Follow-up needed</translation>
    </message>
    <message>
        <source>บ้านเลขที่</source>
        <translation>House no.</translation>
    </message>
    <message>
        <source>อายุ</source>
        <translation>Age</translation>
    </message>
    <message>
        <source>วัคซีนที่ถึงกำหนด</source>
        <translation>Vaccines due</translation>
    </message>
    <message>
        <source>เลยกำหนด</source>
        <translation>Overdue</translation>
    </message>
    <message>
        <source>วันนัด</source>
        <translation>Date</translation>
    </message>
    <message>
        <source>นัดเพื่อ</source>
        <translation>Reason</translation>
    </message>
    <message>
        <source>สถานะ</source>
        <translation>Status</translation>
    </message>
</context>
<context>
    <name>FollowUpPage</name>
    <message>
        <source>รายการติดตาม</source>
        <translation>Follow-up lists</translation>
    </message>
    <message>
        <source>โรคเรื้อรัง (เบาหวาน ความดัน)</source>
        <translation>Chronic diseases (diabetes, hypertension)</translation>
    </message>
    <message>
        <source>วัคซีนเด็ก (EPI)</source>
        <translation>Children&apos;s vaccines (EPI)</translation>
    </message>
    <message>
        <source>นัดหมาย</source>
        <translation>Appointments</translation>
    </message>
</context>
<context>
    <name>Formulary</name>
    <message>
        <source>รหัสยา</source>
        <translation>Code</translation>
    </message>
    <message>
        <source>ชื่อยา</source>
        <translation>Name</translation>
    </message>
    <message>
        <source>ความแรง</source>
        <translation>Strength</translation>
    </message>
    <message>
        <source>หน่วยจ่าย</source>
        <translation>Dispensing unit</translation>
    </message>
    <message>
        <source>รหัสยา 24 หลัก</source>
        <translation>24-digit drug code</translation>
    </message>
    <message>
        <source>ขนาดต่อครั้ง</source>
        <translation>Dose</translation>
    </message>
    <message>
        <source>หน่วยของขนาดยา</source>
        <translation>Dose unit</translation>
    </message>
    <message>
        <source>ความถี่</source>
        <translation>Frequency</translation>
    </message>
    <message>
        <source>จำนวนวัน</source>
        <translation>Days</translation>
    </message>
    <message>
        <source>กลุ่มยา</source>
        <translation>Group</translation>
    </message>
    <message>
        <source>บรรทัดที่ {line} · {field}: {reason}</source>
        <translation>Line {line} · {field}: {reason}</translation>
    </message>
    <message>
        <source>ใช้อยู่</source>
        <translation>In use</translation>
    </message>
    <message>
        <source>ถอนออกแล้ว</source>
        <translation>Withdrawn</translation>
    </message>
</context>
<context>
    <name>FormularyDialog</name>
    <message>
        <source>บัญชียาของหน่วยบริการ</source>
        <translation>The unit&apos;s drug list</translation>
    </message>
    <message>
        <source>ยาที่พยาบาลเลือกเมื่อสั่งยา นำเข้าจากไฟล์ CSV (บรรทัดแรกเป็นชื่อคอลัมน์: code, name, strength, unit, tmt, drug24, dose, dose_unit, frequency, days, group) ถ้าไฟล์มีข้อผิดพลาด จะไม่นำเข้าเลยสักรายการ ยาที่ถอนออกยังอยู่ในประวัติการรับบริการที่เคยสั่ง</source>
        <translation>The drugs nurses choose from when prescribing, imported from a CSV file (first line: the column names code, name, strength, unit, tmt, drug24, dose, dose_unit, frequency, days, group). If the file has any error, nothing is imported. A withdrawn drug stays in the visits that prescribed it.</translation>
    </message>
    <message>
        <source>แสดงยาที่ถอนออกแล้ว</source>
        <translation>Show withdrawn drugs</translation>
    </message>
    <message>
        <source>สถานะ</source>
        <translation>Status</translation>
    </message>
    <message>
        <source>รายการยา</source>
        <translation>Drugs</translation>
    </message>
    <message>
        <source>ข้อผิดพลาดในไฟล์รายการยา</source>
        <translation>Problems in the drug file</translation>
    </message>
    <message>
        <source>นำเข้า CSV…</source>
        <translation>Import CSV…</translation>
    </message>
    <message>
        <source>เพิ่มยา…</source>
        <translation>Add a drug…</translation>
    </message>
    <message>
        <source>แก้ไข…</source>
        <translation>Edit…</translation>
    </message>
    <message>
        <source>ถอนออกจากบัญชี</source>
        <translation>Withdraw</translation>
    </message>
    <message>
        <source>{count} รายการ</source>
        <translation>Drugs: {count}</translation>
    </message>
    <message>
        <source>นำกลับมาใช้</source>
        <translation>Bring back</translation>
    </message>
    <message>
        <source>เลือกไฟล์รายการยา (CSV)</source>
        <translation>Choose the drug list file (CSV)</translation>
    </message>
    <message>
        <source>ไฟล์ CSV (*.csv);;ทุกไฟล์ (*)</source>
        <translation>CSV files (*.csv);;All files (*)</translation>
    </message>
    <message>
        <source>กำลังนำเข้า {name}…</source>
        <translation>Importing {name}…</translation>
    </message>
    <message>
        <source>นำเข้า {name} แล้ว: เพิ่ม {added} รายการ แก้ไข {updated} รายการ ไม่เปลี่ยน {unchanged} รายการ</source>
        <translation>{name} imported: {added} added, {updated} changed, {unchanged} unchanged</translation>
    </message>
    <message>
        <source>คอลัมน์ที่ไม่ได้ใช้: {columns}</source>
        <translation>Columns not used: {columns}</translation>
    </message>
    <message>
        <source>บันทึกยา {code} แล้ว</source>
        <translation>Drug {code} saved</translation>
    </message>
    <message>
        <source>ถอน {name} ({code}) ออกจากบัญชียา?

จะไม่มีให้เลือกเมื่อสั่งยาอีก แต่ยังอยู่ในประวัติการรับบริการที่เคยสั่ง และนำกลับมาใช้ได้</source>
        <translation>Withdraw {name} ({code}) from the drug list?

It is no longer offered when prescribing, but stays in the visits that prescribed it, and can be brought back.</translation>
    </message>
</context>
<context>
    <name>Gui</name>
    <message>
        <source>เปิดข้อมูลโหมดฝึกอบรมไม่ได้ เพราะกุญแจของข้อมูลหายไป (เช่น ล้างรหัสผ่านที่เครื่องจำไว้) ข้อมูลฝึกอบรมเป็นข้อมูลตัวอย่าง เริ่มโหมดฝึกอบรมใหม่หรือไม่? โฟลเดอร์เดิมจะถูกย้ายไปเก็บไว้ข้าง ๆ ไม่ถูกลบ</source>
        <translation>The training data cannot be opened because its key is gone (for example, the passwords this computer remembered were cleared). Training data is demo data. Start training mode over? The old folder is moved aside, not deleted.</translation>
    </message>
</context>
<context>
    <name>HdcMonthDialog</name>
    <message>
        <source>ส่ง HDC ประจำเดือน</source>
        <translation>HDC monthly submission</translation>
    </message>
    <message>
        <source>43 แฟ้มของเดือนที่เลือก: บุคคลทุกคน และการรับบริการในเดือนนั้น ตรวจทุกแถวตามเกณฑ์ของ HDC ก่อนเขียนแฟ้ม</source>
        <translation>The 43 files of the month chosen: every person, and that month&apos;s visits; every row is checked as HDC checks it before anything is written</translation>
    </message>
    <message>
        <source>เดือน</source>
        <translation>Month</translation>
    </message>
    <message>
        <source>ปี พ.ศ.</source>
        <translation>Year (Buddhist era)</translation>
    </message>
    <message>
        <source>เลือกโฟลเดอร์แล้วเขียน…</source>
        <translation>Choose a folder and write…</translation>
    </message>
</context>
<context>
    <name>Identity</name>
    <message>
        <source>ชื่อ-สกุล</source>
        <translation>Name</translation>
    </message>
    <message>
        <source>เพศ</source>
        <translation>Sex</translation>
    </message>
    <message>
        <source>วันเกิด</source>
        <translation>Birth date</translation>
    </message>
</context>
<context>
    <name>Import43Dialog</name>
    <message>
        <source>นำเข้า 43 แฟ้ม</source>
        <translation>Import 43 files</translation>
    </message>
    <message>
        <source>43 แฟ้มจากระบบเดิม (ไฟล์ zip หรือโฟลเดอร์ที่มี person.txt, service.txt …)</source>
        <translation>43 files from the old system (a zip file, or a folder holding person.txt, service.txt …)</translation>
    </message>
    <message>
        <source>ที่อยู่ของ 43 แฟ้ม</source>
        <translation>Where the 43 files are</translation>
    </message>
    <message>
        <source>เลือกไฟล์ zip…</source>
        <translation>Choose a zip file…</translation>
    </message>
    <message>
        <source>เลือกโฟลเดอร์…</source>
        <translation>Choose a folder…</translation>
    </message>
    <message>
        <source>นำเข้าเฉพาะแถวที่ถูกต้อง แถวที่ไม่ผ่านเก็บไว้ให้แก้ (--partial)</source>
        <translation>Import only the valid rows; keep the others to correct (--partial)</translation>
    </message>
    <message>
        <source>ถ้าไม่เลือก: มีปัญหาแม้แถวเดียวจะไม่นำเข้าอะไรเลย และแสดงปัญหาทุกจุดให้แก้ก่อน
ถ้าเลือก: แถวที่ไม่ผ่านและแถวที่ขึ้นกับแถวนั้น (การรับบริการของบุคคลนั้น) เก็บไว้ที่ เมนูไฟล์ &gt; แถวที่นำเข้าไม่ได้ (43 แฟ้ม)</source>
        <translation>Unticked: one problem and nothing is imported; every problem is listed to correct first.
Ticked: the rows that fail, and the rows that depend on them (that person&apos;s visits), are kept in File &gt; Rows not imported (43 files).</translation>
    </message>
    <message>
        <source>นำเข้า</source>
        <translation>Import</translation>
    </message>
    <message>
        <source>เลือกไฟล์ 43 แฟ้ม (zip)</source>
        <translation>Choose the 43 files (zip)</translation>
    </message>
    <message>
        <source>43 แฟ้ม (*.zip)</source>
        <translation>43 files (*.zip)</translation>
    </message>
    <message>
        <source>เลือกโฟลเดอร์ของ 43 แฟ้ม</source>
        <translation>Choose the folder of the 43 files</translation>
    </message>
</context>
<context>
    <name>Kinds</name>
    <message>
        <source>ข้อมูลผู้ป่วย</source>
        <translation>Patient details</translation>
    </message>
    <message>
        <source>การรับบริการ</source>
        <translation>Visit</translation>
    </message>
    <message>
        <source>การวินิจฉัย</source>
        <translation>Diagnosis</translation>
    </message>
    <message>
        <source>ผลตรวจ/สัญญาณชีพ</source>
        <translation>Result/vital sign</translation>
    </message>
    <message>
        <source>ยาที่จ่าย</source>
        <translation>Drug dispensed</translation>
    </message>
    <message>
        <source>สั่งยา</source>
        <translation>Prescription</translation>
    </message>
    <message>
        <source>วัคซีน</source>
        <translation>Vaccine</translation>
    </message>
    <message>
        <source>การแพ้</source>
        <translation>Allergy</translation>
    </message>
    <message>
        <source>หัตถการ</source>
        <translation>Procedure</translation>
    </message>
    <message>
        <source>การส่งต่อ/คำขอ</source>
        <translation>Referral/request</translation>
    </message>
    <message>
        <source>ความยินยอม</source>
        <translation>Consent</translation>
    </message>
    <message>
        <source>บันทึกการใช้งาน</source>
        <translation>Audit event</translation>
    </message>
    <message>
        <source>ที่มาของข้อมูล</source>
        <translation>Provenance</translation>
    </message>
    <message>
        <source>งานส่งต่อ</source>
        <translation>Referral task</translation>
    </message>
    <message>
        <source>สิทธิการรักษา</source>
        <translation>Insurance right</translation>
    </message>
    <message>
        <source>ผู้ให้บริการ</source>
        <translation>Care provider</translation>
    </message>
</context>
<context>
    <name>ListRow</name>
    <message>
        <source>ลบ</source>
        <translation>Remove</translation>
    </message>
    <message>
        <source>ลบรายการนี้ (Ctrl+Delete)</source>
        <translation>Remove this line (Ctrl+Delete)</translation>
    </message>
    <message>
        <source>ลบ {what}</source>
        <translation>Remove {what}</translation>
    </message>
</context>
<context>
    <name>MainWindow</name>
    <message>
        <source>โหมดฝึกอบรม — ข้อมูลตัวอย่าง ไม่ใช่ข้อมูลผู้ป่วยจริง</source>
        <translation>Training mode — demo data, not real patients</translation>
    </message>
    <message>
        <source>หน้าจองาน</source>
        <translation>Work screens</translation>
    </message>
    <message>
        <source>วันนี้</source>
        <translation>Today</translation>
    </message>
    <message>
        <source>ค้นหาผู้ป่วย</source>
        <translation>Find a patient</translation>
    </message>
    <message>
        <source>ลงทะเบียน</source>
        <translation>Register</translation>
    </message>
    <message>
        <source>ติดตาม</source>
        <translation>Follow-up</translation>
    </message>
    <message>
        <source>ความยินยอม</source>
        <translation>Consent</translation>
    </message>
    <message>
        <source>ส่งต่อ</source>
        <translation>Referrals</translation>
    </message>
    <message>
        <source>ซิงก์</source>
        <translation>Sync</translation>
    </message>
    <message>
        <source>กำลังตรวจสอบการเชื่อมต่อ…</source>
        <translation>Checking the connection…</translation>
    </message>
    <message>
        <source>ซิงก์เดี๋ยวนี้ (F5)</source>
        <translation>Sync now (F5)</translation>
    </message>
    <message>
        <source>ยกเลิก</source>
        <translation>Cancel</translation>
    </message>
    <message>
        <source>ล็อก / สลับผู้ใช้</source>
        <translation>Lock / switch user</translation>
    </message>
    <message>
        <source>ไฟล์</source>
        <translation>File</translation>
    </message>
    <message>
        <source>ตั้งค่าหน่วยบริการจริง…</source>
        <translation>Set up a real unit…</translation>
    </message>
    <message>
        <source>ส่งออก 43 แฟ้ม…</source>
        <translation>Export 43 files…</translation>
    </message>
    <message>
        <source>ส่ง HDC ประจำเดือน (43 แฟ้ม)…</source>
        <translation>HDC monthly submission (43 files)…</translation>
    </message>
    <message>
        <source>นำเข้า 43 แฟ้ม…</source>
        <translation>Import 43 files…</translation>
    </message>
    <message>
        <source>แถวที่นำเข้าไม่ได้ (43 แฟ้ม)…</source>
        <translation>Rows not imported (43 files)…</translation>
    </message>
    <message>
        <source>ผู้ป่วยซ้ำและการรวมแฟ้ม…</source>
        <translation>Duplicate patients and merging…</translation>
    </message>
    <message>
        <source>ตั้งค่าหน่วยบริการ…</source>
        <translation>Unit settings…</translation>
    </message>
    <message>
        <source>เครื่องแม่ข่ายของหน่วยบริการ…</source>
        <translation>Unit relay…</translation>
    </message>
    <message>
        <source>บัญชียา…</source>
        <translation>Drug list…</translation>
    </message>
    <message>
        <source>เลือกโฟลเดอร์ที่จะเก็บ 43 แฟ้ม</source>
        <translation>Choose the folder for the 43 files</translation>
    </message>
    <message>
        <source>มีหมายเหตุ {count} ข้อ (ดูรายละเอียด)</source>
        <translation>{count} note(s): see the details</translation>
    </message>
    <message>
        <source>กำลังเขียน 43 แฟ้ม…</source>
        <translation>Writing the 43 files…</translation>
    </message>
    <message>
        <source>เขียน 43 แฟ้มแล้ว:
{path}
{rows}</source>
        <translation>43 files written:
{path}
{rows}</translation>
    </message>
    <message>
        <source>กำลังตรวจและนำเข้า 43 แฟ้ม…</source>
        <translation>Checking and importing the 43 files…</translation>
    </message>
    <message>
        <source>นำเข้า 43 แฟ้มแล้ว {count} รายการ
{kinds}</source>
        <translation>43 files imported: {count} records
{kinds}</translation>
    </message>
    <message>
        <source>นำเข้าไม่ได้ {count} แถว เก็บไว้ให้แก้ที่ เมนูไฟล์ &gt; แถวที่นำเข้าไม่ได้ (43 แฟ้ม)</source>
        <translation>Rows not imported: {count}, kept to correct in File &gt; Rows not imported (43 files)</translation>
    </message>
    <message>
        <source>ลงทะเบียนแล้ว: กด Enter เพื่อส่งเข้ารายการวันนี้</source>
        <translation>Registered: press Enter to check them in</translation>
    </message>
    <message>
        <source>แฟ้มผู้ป่วย</source>
        <translation>Patient chart</translation>
    </message>
    <message>
        <source>ออนไลน์</source>
        <translation>Online</translation>
    </message>
    <message>
        <source>ออฟไลน์</source>
        <translation>Offline</translation>
    </message>
    <message>
        <source>{phase} {done}/{total} รายการ</source>
        <translation>{phase} {done}/{total} records</translation>
    </message>
    <message>
        <source>{phase} {done} รายการ</source>
        <translation>{phase} {done} records</translation>
    </message>
    <message>
        <source>เหลือไม่ถึง 1 นาที</source>
        <translation>under a minute left</translation>
    </message>
    <message>
        <source>เหลืออีกราว {minutes} นาที</source>
        <translation>about {minutes} min left</translation>
    </message>
    <message>
        <source>กำลังเชื่อมต่อ</source>
        <translation>Connecting</translation>
    </message>
    <message>
        <source>ส่งข้อมูล</source>
        <translation>Sending</translation>
    </message>
    <message>
        <source>รับข้อมูล</source>
        <translation>Receiving</translation>
    </message>
    <message>
        <source>ตรวจนับ</source>
        <translation>Checking counts</translation>
    </message>
    <message>
        <source>ยังไม่เคย</source>
        <translation>never</translation>
    </message>
    <message>
        <source>(ผ่านเครื่องแม่ข่าย)</source>
        <translation>(through the unit relay)</translation>
    </message>
    <message>
        <source>(กับระบบกลางโดยตรง)</source>
        <translation>(with the cloud directly)</translation>
    </message>
    <message>
        <source>ผู้ป่วย {count} ราย</source>
        <translation>Patients {count}</translation>
    </message>
    <message>
        <source>รอส่ง {count} รายการ</source>
        <translation>Waiting to send {count}</translation>
    </message>
    <message>
        <source>ซิงก์ล่าสุด: {when}</source>
        <translation>Last sync: {when}</translation>
    </message>
    <message>
        <source>ส่งต่อมารอตอบ {count} ราย</source>
        <translation>{count} referral(s) waiting for an answer</translation>
    </message>
    <message>
        <source>ขัดแย้ง {count} รายการ</source>
        <translation>Conflicts {count}</translation>
    </message>
    <message>
        <source>ไม่ผ่าน {count} รายการ</source>
        <translation>Refused {count}</translation>
    </message>
    <message>
        <source>ปัญหาล่าสุด: {problem}</source>
        <translation>Last problem: {problem}</translation>
    </message>
    <message>
        <source>เกิดข้อผิดพลาดภายในโปรแกรม ข้อมูลที่บันทึกแล้วยังอยู่ครบ รายละเอียดอยู่ในไฟล์บันทึกในโฟลเดอร์ logs ของโฟลเดอร์ข้อมูล</source>
        <translation>Internal error; saved data is intact. Details are in the log file in the data folder&apos;s logs folder.</translation>
    </message>
</context>
<context>
    <name>Passphrase</name>
    <message>
        <source>เครื่องนี้ไม่มีที่เก็บกุญแจ โปรดใส่รหัสผ่าน (อย่างน้อย 12 ตัวอักษร)</source>
        <translation>No keyring on this computer: enter the passphrase (12 characters or more)</translation>
    </message>
    <message>
        <source>พิมพ์รหัสผ่านเดิมอีกครั้งเพื่อยืนยัน</source>
        <translation>Type the same passphrase again to confirm it</translation>
    </message>
    <message>
        <source>รหัสผ่านสองครั้งไม่ตรงกัน โปรดพิมพ์ใหม่</source>
        <translation>The two passphrases differ: type it again</translation>
    </message>
</context>
<context>
    <name>PatientEditDialog</name>
    <message>
        <source>แก้ไขข้อมูลผู้ป่วย</source>
        <translation>Correct patient details</translation>
    </message>
</context>
<context>
    <name>Printouts</name>
    <message>
        <source>วันจันทร์</source>
        <translation>Monday</translation>
    </message>
    <message>
        <source>วันอังคาร</source>
        <translation>Tuesday</translation>
    </message>
    <message>
        <source>วันพุธ</source>
        <translation>Wednesday</translation>
    </message>
    <message>
        <source>วันพฤหัสบดี</source>
        <translation>Thursday</translation>
    </message>
    <message>
        <source>วันศุกร์</source>
        <translation>Friday</translation>
    </message>
    <message>
        <source>วันเสาร์</source>
        <translation>Saturday</translation>
    </message>
    <message>
        <source>วันอาทิตย์</source>
        <translation>Sunday</translation>
    </message>
    <message>
        <source>ชื่อ-สกุล</source>
        <translation>Name</translation>
    </message>
    <message>
        <source>อายุ</source>
        <translation>Age</translation>
    </message>
    <message>
        <source>วันที่รับบริการ</source>
        <translation>Date of visit</translation>
    </message>
    <message>
        <source>แพ้ยา/สารก่อภูมิแพ้</source>
        <translation>Allergies</translation>
    </message>
    <message>
        <source>ไม่มีประวัติ</source>
        <translation>None recorded</translation>
    </message>
    <message>
        <source>อาการสำคัญ</source>
        <translation>Chief complaint</translation>
    </message>
    <message>
        <source>สัญญาณชีพ</source>
        <translation>Vital signs</translation>
    </message>
    <message>
        <source>การวินิจฉัย</source>
        <translation>Diagnoses</translation>
    </message>
    <message>
        <source>ยาที่ได้รับ</source>
        <translation>Drugs dispensed</translation>
    </message>
    <message>
        <source>วัคซีน</source>
        <translation>Vaccines</translation>
    </message>
    <message>
        <source>หัตถการ</source>
        <translation>Procedures</translation>
    </message>
    <message>
        <source>นัดครั้งต่อไป</source>
        <translation>Next appointment</translation>
    </message>
    <message>
        <source>นัดเพื่อ</source>
        <translation>Reason</translation>
    </message>
    <message>
        <source>ไม่มีนัด</source>
        <translation>None</translation>
    </message>
    <message>
        <source>วันนัด</source>
        <translation>Appointment day</translation>
    </message>
    <message>
        <source>โปรดนำบัตรนี้มาด้วยทุกครั้งที่มาตามนัด</source>
        <translation>Please bring this card to every appointment.</translation>
    </message>
    <message>
        <source>ไม่มีรายชื่อ</source>
        <translation>Nobody on this list.</translation>
    </message>
    <message>
        <source>{years} ปี</source>
        <translation>{years} y</translation>
    </message>
    <message>
        <source>ใบรับบริการและใบสั่งยา</source>
        <translation>Visit slip and prescription</translation>
    </message>
    <message>
        <source>ชื่อยา</source>
        <translation>Drug</translation>
    </message>
    <message>
        <source>จำนวน</source>
        <translation>Quantity</translation>
    </message>
    <message>
        <source>วิธีใช้</source>
        <translation>Instructions</translation>
    </message>
    <message>
        <source>ใบรับบริการ {name} {day}</source>
        <translation>Visit slip {name} {day}</translation>
    </message>
    <message>
        <source>บัตรนัด</source>
        <translation>Appointment card</translation>
    </message>
    <message>
        <source>บัตรนัด {name} {day}</source>
        <translation>Appointment card {name} {day}</translation>
    </message>
    <message>
        <source>ทะเบียนผู้ป่วยโรคเรื้อรัง (เบาหวาน ความดันโลหิตสูง)</source>
        <translation>Chronic disease register (diabetes, hypertension)</translation>
    </message>
    <message>
        <source>{scope} {count} ราย ณ วันที่ {day}</source>
        <translation>{scope} · patients: {count} · as of {day}</translation>
    </message>
    <message>
        <source>เฉพาะที่ต้องติดตาม</source>
        <translation>Needing follow-up</translation>
    </message>
    <message>
        <source>ทั้งหมด</source>
        <translation>All</translation>
    </message>
    <message>
        <source>รายชื่อเด็กที่ถึงกำหนดรับวัคซีน</source>
        <translation>Children due for vaccines</translation>
    </message>
    <message>
        <source>เฉพาะที่เลยกำหนด</source>
        <translation>Overdue only</translation>
    </message>
    <message>
        <source>ถึงกำหนดและเลยกำหนด</source>
        <translation>Due and overdue</translation>
    </message>
    <message>
        <source>แจ้งแล้ว</source>
        <translation>Told</translation>
    </message>
    <message>
        <source>{village} · {scope} {count} คน · ณ วันที่ {day}</source>
        <translation>{village} · {scope} · children: {count} · as of {day}</translation>
    </message>
    <message>
        <source>รายชื่อนัดหมาย: {span}</source>
        <translation>Appointments: {span}</translation>
    </message>
    <message>
        <source>{count} ราย ณ วันที่ {day}</source>
        <translation>Patients: {count} · as of {day}</translation>
    </message>
    <message>
        <source>{title} · พิมพ์เมื่อ {when} · หน้า {page}/{pages}</source>
        <translation>{title} · printed {when} · page {page}/{pages}</translation>
    </message>
    <message>
        <source>เรียน</source>
        <translation>To</translation>
    </message>
    <message>
        <source>ผู้อำนวยการ</source>
        <translation>the Director,</translation>
    </message>
    <message>
        <source>จาก</source>
        <translation>From</translation>
    </message>
    <message>
        <source>เลขประจำตัวประชาชน</source>
        <translation>Citizen ID</translation>
    </message>
    <message>
        <source>เพศ</source>
        <translation>Sex</translation>
    </message>
    <message>
        <source>วันเกิด</source>
        <translation>Date of birth</translation>
    </message>
    <message>
        <source>ความเร่งด่วน</source>
        <translation>Urgency</translation>
    </message>
    <message>
        <source>เหตุผลการส่งต่อ</source>
        <translation>Reason for the referral</translation>
    </message>
    <message>
        <source>สรุปอาการและการรักษา</source>
        <translation>Clinical summary</translation>
    </message>
    <message>
        <source>ผลการส่งต่อ</source>
        <translation>Answer</translation>
    </message>
    <message>
        <source>ลงชื่อ</source>
        <translation>Signed</translation>
    </message>
    <message>
        <source>ผู้ส่งต่อ</source>
        <translation>Referring staff member</translation>
    </message>
    <message>
        <source>ปกติ</source>
        <translation>routine</translation>
    </message>
    <message>
        <source>เร่งด่วน</source>
        <translation>urgent</translation>
    </message>
    <message>
        <source>ฉุกเฉิน</source>
        <translation>Emergency</translation>
    </message>
    <message>
        <source>ชาย</source>
        <translation>Male</translation>
    </message>
    <message>
        <source>หญิง</source>
        <translation>Female</translation>
    </message>
    <message>
        <source>ใบส่งตัวผู้ป่วย</source>
        <translation>Patient referral letter</translation>
    </message>
    <message>
        <source>เลขที่ {number}  วันที่ {day}</source>
        <translation>No. {number}  Date {day}</translation>
    </message>
    <message>
        <source>บันทึกเป็น PDF</source>
        <translation>Save as PDF</translation>
    </message>
    <message>
        <source>PDF (*.pdf)</source>
        <translation>PDF (*.pdf)</translation>
    </message>
    <message>
        <source>{title}

พิมพ์ออกเครื่องพิมพ์ หรือบันทึกเป็นไฟล์ PDF?</source>
        <translation>{title}

Print it on a printer, or save it as a PDF file?</translation>
    </message>
    <message>
        <source>พิมพ์…</source>
        <translation>Print…</translation>
    </message>
    <message>
        <source>บันทึกเป็น PDF…</source>
        <translation>Save as PDF…</translation>
    </message>
</context>
<context>
    <name>Problems</name>
    <message>
        <source>เลขประจำตัวประชาชน</source>
        <translation>Citizen ID number</translation>
    </message>
    <message>
        <source>ชื่อ-สกุล</source>
        <translation>Name and surname</translation>
    </message>
    <message>
        <source>เพศ</source>
        <translation>Sex</translation>
    </message>
    <message>
        <source>วันเกิด</source>
        <translation>Date of birth</translation>
    </message>
    <message>
        <source>โทรศัพท์</source>
        <translation>Phone</translation>
    </message>
    <message>
        <source>ที่อยู่</source>
        <translation>Address</translation>
    </message>
    <message>
        <source>อาจซ้ำ</source>
        <translation>Possible duplicate</translation>
    </message>
    <message>
        <source>น้ำหนัก</source>
        <translation>Weight</translation>
    </message>
    <message>
        <source>ความดันโลหิต</source>
        <translation>Blood pressure</translation>
    </message>
    <message>
        <source>การวินิจฉัย</source>
        <translation>Diagnosis</translation>
    </message>
    <message>
        <source>วัคซีน</source>
        <translation>Vaccine</translation>
    </message>
    <message>
        <source>อาการสำคัญ</source>
        <translation>Chief complaint</translation>
    </message>
    <message>
        <source>อุณหภูมิ</source>
        <translation>Temperature</translation>
    </message>
    <message>
        <source>ชีพจร</source>
        <translation>Pulse</translation>
    </message>
    <message>
        <source>ความดันตัวบน</source>
        <translation>Systolic (upper) pressure</translation>
    </message>
    <message>
        <source>ความดันตัวล่าง</source>
        <translation>Diastolic (lower) pressure</translation>
    </message>
    <message>
        <source>…และอีก {count} จุด</source>
        <translation>…and {count} more</translation>
    </message>
</context>
<context>
    <name>Progress</name>
    <message>
        <source>ยกเลิก</source>
        <translation>Cancel</translation>
    </message>
</context>
<context>
    <name>Referral</name>
    <message>
        <source>ปกติ</source>
        <translation>routine</translation>
    </message>
    <message>
        <source>เร่งด่วน</source>
        <translation>urgent</translation>
    </message>
    <message>
        <source>ฉุกเฉิน</source>
        <translation>Emergency</translation>
    </message>
</context>
<context>
    <name>ReferralDialog</name>
    <message>
        <source>ส่งต่อผู้ป่วย — {name}</source>
        <translation>Refer the patient — {name}</translation>
    </message>
    <message>
        <source>สถานบริการปลายทาง (พิมพ์ชื่อหรือรหัส)</source>
        <translation>Receiving facility (type its name or code)</translation>
    </message>
    <message>
        <source>พิมพ์ชื่อหรือรหัสสถานบริการ</source>
        <translation>Type the facility&apos;s name or code</translation>
    </message>
    <message>
        <source>เหตุผลการส่งต่อ</source>
        <translation>Reason for the referral</translation>
    </message>
    <message>
        <source>รหัส ICD-10 คั่นด้วยจุลภาค เช่น K35.8, R10.3</source>
        <translation>ICD-10 codes separated by commas, e.g. K35.8, R10.3</translation>
    </message>
    <message>
        <source>การวินิจฉัย (รหัส ICD-10)</source>
        <translation>Diagnoses (ICD-10 codes)</translation>
    </message>
    <message>
        <source>ความเร่งด่วน</source>
        <translation>Urgency</translation>
    </message>
    <message>
        <source>สรุปอาการและการรักษา (แก้ไขได้)</source>
        <translation>Clinical summary (editable)</translation>
    </message>
    <message>
        <source>กำลังสรุปจากประวัติ…</source>
        <translation>Summarising the chart…</translation>
    </message>
    <message>
        <source>ส่งต่อไปยัง</source>
        <translation>Refer to</translation>
    </message>
    <message>
        <source>เหตุผล</source>
        <translation>Reason</translation>
    </message>
    <message>
        <source>การวินิจฉัย</source>
        <translation>Diagnoses</translation>
    </message>
    <message>
        <source>สรุปอาการ</source>
        <translation>Summary</translation>
    </message>
    <message>
        <source>บันทึกได้แม้ไม่มีอินเทอร์เน็ต ระบบจะส่งเมื่อซิงก์</source>
        <translation>It can be saved offline; it goes out at the next sync.</translation>
    </message>
    <message>
        <source>บันทึกการส่งต่อ</source>
        <translation>Save the referral</translation>
    </message>
    <message>
        <source>ยกเลิก</source>
        <translation>Cancel</translation>
    </message>
</context>
<context>
    <name>ReferralsPage</name>
    <message>
        <source>วันที่</source>
        <translation>Date</translation>
    </message>
    <message>
        <source>ผู้ป่วย</source>
        <translation>Patient</translation>
    </message>
    <message>
        <source>สถานบริการ</source>
        <translation>Facility</translation>
    </message>
    <message>
        <source>ความเร่งด่วน</source>
        <translation>Urgency</translation>
    </message>
    <message>
        <source>เหตุผล</source>
        <translation>Reason</translation>
    </message>
    <message>
        <source>สถานะ</source>
        <translation>Status</translation>
    </message>
    <message>
        <source>การส่งต่อมายังหน่วยนี้</source>
        <translation>Referrals to this unit</translation>
    </message>
    <message>
        <source>การส่งต่อจากหน่วยนี้ (ดับเบิลคลิกหรือ Enter เพื่อเปิดแฟ้ม)</source>
        <translation>Referrals from this unit (double-click or Enter opens the chart)</translation>
    </message>
    <message>
        <source>รับการส่งต่อ</source>
        <translation>Accept</translation>
    </message>
    <message>
        <source>ปฏิเสธ…</source>
        <translation>Reject…</translation>
    </message>
    <message>
        <source>บันทึกผลการรักษา…</source>
        <translation>Record the result…</translation>
    </message>
    <message>
        <source>ยกเลิกการส่งต่อ…</source>
        <translation>Cancel the referral…</translation>
    </message>
    <message>
        <source>พิมพ์ใบส่งตัว…</source>
        <translation>Print the referral letter…</translation>
    </message>
    <message>
        <source>สรุปอาการที่ส่งมากับการส่งต่อ</source>
        <translation>The clinical summary sent with the referral</translation>
    </message>
    <message>
        <source>ส่งต่อมายังหน่วยนี้</source>
        <translation>Referred to this unit</translation>
    </message>
    <message>
        <source>ส่งต่อจากหน่วยนี้</source>
        <translation>Referred from this unit</translation>
    </message>
    <message>
        <source>ปฏิเสธการส่งต่อ</source>
        <translation>Reject the referral</translation>
    </message>
    <message>
        <source>ผลการรักษา</source>
        <translation>Result</translation>
    </message>
    <message>
        <source>เหตุผลที่ปฏิเสธ (ผู้ส่งต่อจะเห็น)</source>
        <translation>Why it is rejected (the referring unit sees it)</translation>
    </message>
    <message>
        <source>ผลการรักษา (ผู้ส่งต่อจะเห็น)</source>
        <translation>The result (the referring unit sees it)</translation>
    </message>
    <message>
        <source>บันทึกแล้ว ผู้ส่งต่อจะเห็นหลังซิงก์</source>
        <translation>Saved; the referring unit sees it after the next sync.</translation>
    </message>
    <message>
        <source>ยกเลิกการส่งต่อ</source>
        <translation>Cancel the referral</translation>
    </message>
    <message>
        <source>เหตุผลที่ยกเลิก (ปลายทางจะเห็น)</source>
        <translation>Why it is cancelled (the receiving facility sees it)</translation>
    </message>
    <message>
        <source>ยกเลิกแล้ว ปลายทางจะเห็นหลังซิงก์</source>
        <translation>Cancelled; the receiving facility sees it after the next sync.</translation>
    </message>
    <message>
        <source>เขียนใบส่งตัวแล้ว: {path}</source>
        <translation>Referral letter written: {path}</translation>
    </message>
</context>
<context>
    <name>RegisterPage</name>
    <message>
        <source>ประเทศที่ออก (ไม่ทราบ)</source>
        <translation>Issuing country (not known)</translation>
    </message>
    <message>
        <source>เมียนมา</source>
        <translation>Myanmar</translation>
    </message>
    <message>
        <source>ลาว</source>
        <translation>Laos</translation>
    </message>
    <message>
        <source>กัมพูชา</source>
        <translation>Cambodia</translation>
    </message>
    <message>
        <source>เวียดนาม</source>
        <translation>Vietnam</translation>
    </message>
    <message>
        <source>จีน</source>
        <translation>China</translation>
    </message>
    <message>
        <source>มาเลเซีย</source>
        <translation>Malaysia</translation>
    </message>
    <message>
        <source>ไทย</source>
        <translation>Thailand</translation>
    </message>
    <message>
        <source>เลข 13 หลัก (เว้นว่างได้ถ้าไม่มี)</source>
        <translation>13 digits (leave empty if none)</translation>
    </message>
    <message>
        <source>เลขประจำตัวประชาชน</source>
        <translation>Citizen ID</translation>
    </message>
    <message>
        <source>เลขหนังสือเดินทาง</source>
        <translation>Passport number</translation>
    </message>
    <message>
        <source>ประเทศที่ออกหนังสือเดินทาง</source>
        <translation>Passport&apos;s issuing country</translation>
    </message>
    <message>
        <source>หนังสือเดินทาง (ถ้าไม่มีเลข 13 หลัก)</source>
        <translation>Passport (if no 13-digit ID)</translation>
    </message>
    <message>
        <source>คำนำหน้า</source>
        <translation>Prefix</translation>
    </message>
    <message>
        <source>ชื่อ (ไทย)</source>
        <translation>Given name (Thai)</translation>
    </message>
    <message>
        <source>นามสกุล (ไทย)</source>
        <translation>Family name (Thai)</translation>
    </message>
    <message>
        <source>ชื่อ (อังกฤษ)</source>
        <translation>Given name (English)</translation>
    </message>
    <message>
        <source>นามสกุล (อังกฤษ)</source>
        <translation>Family name (English)</translation>
    </message>
    <message>
        <source>เพศ</source>
        <translation>Sex</translation>
    </message>
    <message>
        <source>วันเกิด</source>
        <translation>Day of birth</translation>
    </message>
    <message>
        <source>เดือนเกิด</source>
        <translation>Month of birth</translation>
    </message>
    <message>
        <source>ปีเกิด พ.ศ.</source>
        <translation>Year of birth (Buddhist era)</translation>
    </message>
    <message>
        <source>อายุโดยประมาณ (ปี) เมื่อไม่ทราบปีเกิด</source>
        <translation>Estimated age (years) when the birth year is not known</translation>
    </message>
    <message>
        <source>เมื่อไม่ทราบปีเกิด ใส่อายุโดยประมาณ (บันทึกเป็นปีเกิดโดยประมาณ)</source>
        <translation>When the birth year is not known, enter an estimated age (kept as an estimated birth year)</translation>
    </message>
    <message>
        <source>หรืออายุประมาณ</source>
        <translation>or about age</translation>
    </message>
    <message>
        <source>วันเกิด (พ.ศ.)</source>
        <translation>Birth date (Buddhist-era year)</translation>
    </message>
    <message>
        <source>ที่อยู่</source>
        <translation>Address</translation>
    </message>
    <message>
        <source>จังหวัด/อำเภอ/ตำบล</source>
        <translation>Province / district / subdistrict</translation>
    </message>
    <message>
        <source>โทรศัพท์</source>
        <translation>Phone</translation>
    </message>
    <message>
        <source>สิทธิการรักษา</source>
        <translation>Health insurance right</translation>
    </message>
    <message>
        <source>สถานะบุคคล (TYPEAREA) ที่ HDC นับประชากร</source>
        <translation>Person status (TYPEAREA), as HDC counts the population</translation>
    </message>
    <message>
        <source>สถานะบุคคล (TYPEAREA)</source>
        <translation>Person status (TYPEAREA)</translation>
    </message>
    <message>
        <source>อาจซ้ำกับผู้ป่วยเดิม</source>
        <translation>Possible duplicates</translation>
    </message>
    <message>
        <source>บันทึก (Enter)</source>
        <translation>Save (Enter)</translation>
    </message>
    <message>
        <source>เปิดแฟ้มเดิม</source>
        <translation>Open that record</translation>
    </message>
    <message>
        <source>อาจซ้ำกับผู้ป่วยเดิม:</source>
        <translation>May be a patient already registered:</translation>
    </message>
    <message>
        <source>บันทึกการแก้ไข (Enter)</source>
        <translation>Save the correction (Enter)</translation>
    </message>
    <message>
        <source>ถูกต้อง</source>
        <translation>valid</translation>
    </message>
    <message>
        <source>บัตรหมดอายุแล้ว ข้อมูลยังใช้ลงทะเบียนได้ โปรดแนะนำให้ต่ออายุบัตร</source>
        <translation>The card has expired; its details still serve for registration. Suggest renewing the card.</translation>
    </message>
    <message>
        <source>ผู้ถือบัตรนี้ลงทะเบียนไว้แล้ว</source>
        <translation>The card holder is registered already</translation>
    </message>
    <message>
        <source>กรอกจากบัตรประชาชนแล้ว ตรวจแล้วกดบันทึก</source>
        <translation>Filled from the ID card: check, then save</translation>
    </message>
    <message>
        <source>บันทึกการแก้ไขแล้ว (รอส่งเมื่อออนไลน์)</source>
        <translation>Correction saved (sent when online)</translation>
    </message>
    <message>
        <source>เลขประจำตัวประชาชนนี้ลงทะเบียนไว้แล้ว: {name} (HN {hn}) ไม่ได้บันทึกซ้ำ</source>
        <translation>This citizen ID is registered already: {name} (HN {hn}). Nothing was saved twice.</translation>
    </message>
    <message>
        <source>{name}  เกิด {born}</source>
        <translation>{name}  born {born}</translation>
    </message>
    <message>
        <source>พบผู้ป่วยที่อาจซ้ำ ตรวจรายชื่อด้านบน แล้วกดบันทึกอีกครั้งถ้าเป็นคนละคน</source>
        <translation>Possible duplicates found: check the list above, then press Save again if this is a different person</translation>
    </message>
    <message>
        <source>บันทึกแล้ว HN {hn} (รอส่งเมื่อออนไลน์)</source>
        <translation>Saved, HN {hn} (sent when online)</translation>
    </message>
</context>
<context>
    <name>RelayDialog</name>
    <message>
        <source>เครื่องแม่ข่ายของหน่วยบริการ</source>
        <translation>Unit relay</translation>
    </message>
    <message>
        <source>เครื่องนี้เป็นเครื่องแม่ข่าย</source>
        <translation>This computer as the unit relay</translation>
    </message>
    <message>
        <source>ให้เครื่องอื่นของหน่วยบริการซิงก์ผ่านเครื่องนี้ (ขณะเปิดโปรแกรม)</source>
        <translation>Let the unit&apos;s other desktops sync through this computer (while the program is open)</translation>
    </message>
    <message>
        <source>เป็นเครื่องแม่ข่าย</source>
        <translation>Serve as the unit relay</translation>
    </message>
    <message>
        <source>ที่อยู่</source>
        <translation>Address</translation>
    </message>
    <message>
        <source>ลายนิ้วมือ</source>
        <translation>Fingerprint</translation>
    </message>
    <message>
        <source>เครื่อง</source>
        <translation>Desktop</translation>
    </message>
    <message>
        <source>ขอสิทธิ์ล่าสุด</source>
        <translation>Last token</translation>
    </message>
    <message>
        <source>เครื่องที่ลงทะเบียนกับเครื่องแม่ข่าย</source>
        <translation>Desktops enrolled at the relay</translation>
    </message>
    <message>
        <source>ซิงก์ผ่านเครื่องแม่ข่ายของหน่วยบริการ</source>
        <translation>Sync through the unit relay</translation>
    </message>
    <message>
        <source>ที่อยู่เครื่องแม่ข่าย</source>
        <translation>Relay address</translation>
    </message>
    <message>
        <source>อ่านลายนิ้วมือ</source>
        <translation>Read fingerprint</translation>
    </message>
    <message>
        <source>ตรงกับหน้าจอเครื่องแม่ข่าย — เข้าร่วม</source>
        <translation>Same as on the relay&apos;s screen: join</translation>
    </message>
    <message>
        <source>ออกจากเครื่องแม่ข่าย</source>
        <translation>Leave the relay</translation>
    </message>
    <message>
        <source>ยังไม่เคย</source>
        <translation>never</translation>
    </message>
    <message>
        <source>รอส่งขึ้นระบบกลาง {count} รายการ · ซิงก์กับระบบกลางล่าสุด: {when}</source>
        <translation>{count} waiting for the cloud · last sync with the cloud: {when}</translation>
    </message>
    <message>
        <source>ไม่ได้เป็นเครื่องแม่ข่าย</source>
        <translation>Not serving as the unit relay</translation>
    </message>
    <message>
        <source>ซิงก์ผ่าน {url} (ลายนิ้วมือ {fingerprint})</source>
        <translation>Syncing through {url} (fingerprint {fingerprint})</translation>
    </message>
    <message>
        <source>ยังไม่ได้เข้าร่วมเครื่องแม่ข่าย: ซิงก์กับระบบกลางโดยตรง</source>
        <translation>Not joined to a unit relay: syncing with the cloud directly</translation>
    </message>
    <message>
        <source>กำลังอ่าน…</source>
        <translation>Reading…</translation>
    </message>
    <message>
        <source>ลายนิ้วมือที่เครื่องแม่ข่ายส่งมา เทียบกับหน้าจอเครื่องแม่ข่ายทุกตัวอักษร ก่อนกดเข้าร่วม:</source>
        <translation>The fingerprint the relay sent: compare every character with the relay&apos;s screen before joining:</translation>
    </message>
</context>
<context>
    <name>SetupDialog</name>
    <message>
        <source>ตั้งค่าหน่วยบริการจริง</source>
        <translation>Set up a real unit</translation>
    </message>
    <message>
        <source>รหัสหน่วยบริการ (5 หลัก)</source>
        <translation>Facility code (5 digits)</translation>
    </message>
    <message>
        <source>ชื่อหน่วยบริการ</source>
        <translation>Facility name</translation>
    </message>
    <message>
        <source>ที่อยู่ระบบกลาง (https)</source>
        <translation>Hub address (https)</translation>
    </message>
    <message>
        <source>ผู้ดูแลระบบคนแรก</source>
        <translation>First administrator</translation>
    </message>
    <message>
        <source>รหัสผ่าน</source>
        <translation>Password</translation>
    </message>
    <message>
        <source>ยืนยันรหัสผ่าน</source>
        <translation>Repeat password</translation>
    </message>
    <message>
        <source>โฟลเดอร์ข้อมูล</source>
        <translation>Data folder</translation>
    </message>
</context>
<context>
    <name>SetupDoneDialog</name>
    <message>
        <source>ตั้งค่าเสร็จแล้ว</source>
        <translation>Unit set up</translation>
    </message>
    <message>
        <source>กุญแจกู้คืน (แสดงครั้งเดียว พิมพ์หรือจดเก็บในที่ปลอดภัย)</source>
        <translation>Recovery key (shown once: print it or write it down and keep it safe)</translation>
    </message>
    <message>
        <source>ส่งข้อมูลนี้ให้ผู้ดูแลระบบกลางเพื่อลงทะเบียนเครื่อง</source>
        <translation>Give this to the hub&apos;s administrator to enrol this desktop:</translation>
    </message>
    <message>
        <source>ข้อมูลลงทะเบียนเครื่องสำหรับระบบกลาง</source>
        <translation>Desktop enrolment for the hub</translation>
    </message>
    <message>
        <source>เปิดโปรแกรมใหม่เพื่อใช้หน่วยบริการนี้:
{folder}</source>
        <translation>Restart clinic-app to work in this unit:
{folder}</translation>
    </message>
</context>
<context>
    <name>Sex</name>
    <message>
        <source>ชาย</source>
        <translation>Male</translation>
    </message>
    <message>
        <source>หญิง</source>
        <translation>Female</translation>
    </message>
    <message>
        <source>อื่น ๆ</source>
        <translation>Other</translation>
    </message>
    <message>
        <source>ไม่ระบุ</source>
        <translation>Unknown</translation>
    </message>
</context>
<context>
    <name>SignInDialog</name>
    <message>
        <source>ล็อกหน้าจอ</source>
        <translation>Locked</translation>
    </message>
    <message>
        <source>เข้าสู่ระบบ</source>
        <translation>Sign in</translation>
    </message>
    <message>
        <source>หน้าจอถูกล็อกเพราะไม่มีการใช้งาน ข้อมูลที่กรอกค้างไว้ยังอยู่</source>
        <translation>Locked after inactivity; unsaved entries are kept.</translation>
    </message>
    <message>
        <source>ชื่อผู้ใช้</source>
        <translation>User name</translation>
    </message>
    <message>
        <source>รหัสผ่าน</source>
        <translation>Password</translation>
    </message>
    <message>
        <source>โปรดเข้าสู่ระบบ</source>
        <translation>Please sign in</translation>
    </message>
</context>
<context>
    <name>SyncPage</name>
    <message>
        <source>สถานะ</source>
        <translation>Status</translation>
    </message>
    <message>
        <source>ประเภท</source>
        <translation>Type</translation>
    </message>
    <message>
        <source>เหตุผล</source>
        <translation>Reason</translation>
    </message>
    <message>
        <source>ผู้ป่วย</source>
        <translation>Patient</translation>
    </message>
    <message>
        <source>รายการรอส่งและที่ระบบกลางไม่รับ</source>
        <translation>Waiting to send, and refused by the hub</translation>
    </message>
    <message>
        <source>ข้อมูลขัดแย้ง</source>
        <translation>Conflicts</translation>
    </message>
    <message>
        <source>ค่าของสองเครื่องที่ขัดแย้งกัน</source>
        <translation>Conflicting values from both desktops</translation>
    </message>
    <message>
        <source>ข้อมูล</source>
        <translation>Field</translation>
    </message>
    <message>
        <source>เครื่องนี้</source>
        <translation>This desktop</translation>
    </message>
    <message>
        <source>เครื่องอื่น</source>
        <translation>Other desktop</translation>
    </message>
    <message>
        <source>ใช้ตามที่เลือก</source>
        <translation>Apply choices</translation>
    </message>
    <message>
        <source>ข้อมูลขัดแย้ง (แก้ไขพร้อมกันสองเครื่อง)</source>
        <translation>Conflicts (edited on two desktops at once)</translation>
    </message>
    <message>
        <source>รอส่ง</source>
        <translation>Waiting to send</translation>
    </message>
    <message>
        <source>กำลังส่ง</source>
        <translation>Sending</translation>
    </message>
    <message>
        <source>ระบบกลางไม่รับ</source>
        <translation>Refused by hub</translation>
    </message>
    <message>
        <source>ขัดแย้ง</source>
        <translation>Conflict</translation>
    </message>
    <message>
        <source>แก้ไขที่เครื่องอื่นด้วย: {fields}</source>
        <translation>Also changed on another desktop: {fields}</translation>
    </message>
    <message>
        <source>ไม่ทราบผู้บันทึก</source>
        <translation>author unknown</translation>
    </message>
    <message>
        <source>{who} เมื่อ {when}</source>
        <translation>{who} at {when}</translation>
    </message>
    <message>
        <source>เครื่องนี้: {here}
เครื่องอื่น (ผ่านระบบกลาง): {there}</source>
        <translation>This desktop: {here}
Other desktop (through the hub): {there}</translation>
    </message>
    <message>
        <source>(ว่าง)</source>
        <translation>(empty)</translation>
    </message>
    <message>
        <source>ใช้ค่านี้: {value}</source>
        <translation>Use this value: {value}</translation>
    </message>
</context>
<context>
    <name>TodayPage</name>
    <message>
        <source>รอตรวจ</source>
        <translation>Waiting</translation>
    </message>
    <message>
        <source>กำลังตรวจ</source>
        <translation>Being seen</translation>
    </message>
    <message>
        <source>เสร็จแล้ว</source>
        <translation>Done</translation>
    </message>
    <message>
        <source>นัดไว้ ยังไม่มา</source>
        <translation>Expected (appointment)</translation>
    </message>
    <message>
        <source>ยกเลิก</source>
        <translation>Cancelled</translation>
    </message>
    <message>
        <source>{name} อยู่ในรายการวันนี้แล้ว</source>
        <translation>{name} is on today&apos;s list already</translation>
    </message>
    <message>
        <source>ส่ง {name} เข้ารายการวันนี้แล้ว (รอตรวจ)</source>
        <translation>{name} checked in (waiting)</translation>
    </message>
    <message>
        <source>เวลา</source>
        <translation>Time</translation>
    </message>
    <message>
        <source>ชื่อ-สกุล</source>
        <translation>Name</translation>
    </message>
    <message>
        <source>สถานะ</source>
        <translation>Status</translation>
    </message>
    <message>
        <source>ผู้ตรวจ</source>
        <translation>Seen by</translation>
    </message>
    <message>
        <source>อาการ / เหตุที่นัด</source>
        <translation>Complaint / appointment reason</translation>
    </message>
    <message>
        <source>รายการผู้ป่วยวันนี้ (Enter เปิดการตรวจ, Delete เอาออกจากรายการ)</source>
        <translation>Today&apos;s patients (Enter opens the visit, Delete takes the patient off the list)</translation>
    </message>
    <message>
        <source>เปิดการตรวจ (Enter)</source>
        <translation>Open the visit (Enter)</translation>
    </message>
    <message>
        <source>เอาออกจากรายการ (Delete)</source>
        <translation>Take off the list (Delete)</translation>
    </message>
    <message>
        <source>ผู้ป่วยกลับไปก่อนได้ตรวจ: เก็บไว้เป็น ยกเลิก ไม่ลบ</source>
        <translation>The patient left before being seen: kept as cancelled, not deleted</translation>
    </message>
    <message>
        <source>เปิดแฟ้มผู้ป่วย (Ctrl+O)</source>
        <translation>Open the chart (Ctrl+O)</translation>
    </message>
    <message>
        <source>เพิ่มผู้ป่วยเข้ารายการ: ค้นหา (Ctrl+F) แล้วกด Ctrl+T หรือปุ่ม &quot;ส่งเข้ารายการวันนี้&quot;</source>
        <translation>To add a patient: find them (Ctrl+F), then press Ctrl+T or &quot;Check in&quot;</translation>
    </message>
    <message>
        <source>รายการวันนี้ {day}</source>
        <translation>Today&apos;s list, {day}</translation>
    </message>
    <message>
        <source>รอตรวจ {waiting} · กำลังตรวจ {seen} · เสร็จแล้ว {done} · นัดไว้ยังไม่มา {expected}</source>
        <translation>Waiting {waiting} · Being seen {seen} · Done {done} · Expected {expected}</translation>
    </message>
    <message>
        <source>มาตามนัด: เข้ารายการ (Enter)</source>
        <translation>Arrived: check in (Enter)</translation>
    </message>
    <message>
        <source>เปิดแฟ้มผู้ป่วย (Enter)</source>
        <translation>Open the chart (Enter)</translation>
    </message>
    <message>
        <source>เอาออกจากรายการวันนี้</source>
        <translation>Take off today&apos;s list</translation>
    </message>
    <message>
        <source>เอา {name} ออกจากรายการวันนี้หรือไม่? (ผู้ป่วยกลับไปก่อนได้ตรวจ การรับบริการนี้จะเก็บไว้เป็น ยกเลิก)</source>
        <translation>Take {name} off today&apos;s list? (The patient left before being seen; this visit is kept as cancelled.)</translation>
    </message>
</context>
<context>
    <name>Training</name>
    <message>
        <source>กำลังเตรียมข้อมูลตัวอย่าง…</source>
        <translation>Preparing demo data…</translation>
    </message>
</context>
<context>
    <name>UnitSettingsDialog</name>
    <message>
        <source>ตั้งค่าหน่วยบริการ</source>
        <translation>Unit settings</translation>
    </message>
    <message>
        <source>ระบบกลางต้องใช้การยืนยันตัวตนของเครื่อง (SMART)</source>
        <translation>The hub needs this desktop&apos;s authentication (SMART)</translation>
    </message>
    <message>
        <source>ว่าง: ใช้ใบรับรองของระบบ</source>
        <translation>Empty: the system&apos;s certificates</translation>
    </message>
    <message>
        <source>เลือกไฟล์…</source>
        <translation>Choose a file…</translation>
    </message>
    <message>
        <source>เลือกไฟล์ใบรับรอง</source>
        <translation>Choose a certificate file</translation>
    </message>
    <message>
        <source> นาที</source>
        <translation> minutes</translation>
    </message>
    <message>
        <source>ชื่อหน่วยบริการ</source>
        <translation>Facility name</translation>
    </message>
    <message>
        <source>ที่อยู่ระบบกลาง (https)</source>
        <translation>Hub address (https)</translation>
    </message>
    <message>
        <source>การยืนยันตัวตน</source>
        <translation>Authentication</translation>
    </message>
    <message>
        <source>ใบรับรอง CA ของระบบกลาง</source>
        <translation>The hub&apos;s CA certificate</translation>
    </message>
    <message>
        <source>ซิงก์ทุก</source>
        <translation>Sync every</translation>
    </message>
    <message>
        <source>ล็อกหน้าจอเมื่อไม่ใช้งาน</source>
        <translation>Lock the screen when idle for</translation>
    </message>
    <message>
        <source>จำนวนรายการต่อการส่งหนึ่งครั้ง</source>
        <translation>Records per push</translation>
    </message>
    <message>
        <source>จำนวนรายการต่อการรับหนึ่งหน้า</source>
        <translation>Records per pulled page</translation>
    </message>
    <message>
        <source>ใบรับรอง CA</source>
        <translation>CA certificate</translation>
    </message>
</context>
<context>
    <name>Upgrade</name>
    <message>
        <source>กำลังปรับข้อมูลเดิมให้ใช้กับโปรแกรมรุ่นนี้ (ทำครั้งเดียว)…</source>
        <translation>Bringing this folder&apos;s records up to this version of the program (once only)…</translation>
    </message>
</context>
<context>
    <name>VisitDetailsDialog</name>
    <message>
        <source>รายละเอียดการรับบริการ</source>
        <translation>Visit details</translation>
    </message>
    <message>
        <source>ประวัติการบันทึก</source>
        <translation>History</translation>
    </message>
    <message>
        <source>แก้ไขการรับบริการ…</source>
        <translation>Correct the visit…</translation>
    </message>
    <message>
        <source>บันทึกผิดพลาด (ยกเลิกการรับบริการ)…</source>
        <translation>Entered in error (void the visit)…</translation>
    </message>
    <message>
        <source>พิมพ์ใบนัด/ใบสั่งยา…</source>
        <translation>Print appointment / prescription…</translation>
    </message>
    <message>
        <source>({days} วัน)</source>
        <translation>({days} days)</translation>
    </message>
    <message>
        <source>[พิมพ์เอง]</source>
        <translation>[typed in]</translation>
    </message>
    <message>
        <source>ไม่มี</source>
        <translation>None</translation>
    </message>
    <message>
        <source>วันที่</source>
        <translation>Date</translation>
    </message>
    <message>
        <source>รายการนี้บันทึกผิดพลาด (ยกเลิกแล้ว) เก็บไว้เป็นหลักฐาน ไม่นับในแฟ้มและรายการต่าง ๆ</source>
        <translation>This visit was entered in error (voided): kept as a record, left out of the chart and the lists</translation>
    </message>
    <message>
        <source>หน่วยบริการ</source>
        <translation>Facility</translation>
    </message>
    <message>
        <source>อาการสำคัญ</source>
        <translation>Chief complaint</translation>
    </message>
    <message>
        <source>สัญญาณชีพ</source>
        <translation>Vital signs</translation>
    </message>
    <message>
        <source>การวินิจฉัย</source>
        <translation>Diagnosis</translation>
    </message>
    <message>
        <source>ยาที่จ่าย</source>
        <translation>Drugs dispensed</translation>
    </message>
    <message>
        <source>วัคซีน</source>
        <translation>Vaccine</translation>
    </message>
    <message>
        <source>หัตถการ</source>
        <translation>Procedures</translation>
    </message>
    <message>
        <source>บันทึกเพิ่มเติม</source>
        <translation>Note</translation>
    </message>
    <message>
        <source>กำลังอ่าน…</source>
        <translation>Reading…</translation>
    </message>
    <message>
        <source>บันทึกโดยหน่วยบริการอื่น</source>
        <translation>Recorded by another facility</translation>
    </message>
</context>
<context>
    <name>VisitDialog</name>
    <message>
        <source>บันทึกการตรวจ</source>
        <translation>Record a visit</translation>
    </message>
    <message>
        <source>อาการสำคัญ</source>
        <translation>Chief complaint</translation>
    </message>
    <message>
        <source>ความดันตัวบน</source>
        <translation>Systolic blood pressure (upper)</translation>
    </message>
    <message>
        <source>ความดันตัวล่าง</source>
        <translation>Diastolic blood pressure (lower)</translation>
    </message>
    <message>
        <source>/นาที</source>
        <translation>/min</translation>
    </message>
    <message>
        <source>น้ำหนัก</source>
        <translation>Weight</translation>
    </message>
    <message>
        <source>หลัก</source>
        <translation>Principal</translation>
    </message>
    <message>
        <source>โรคร่วม</source>
        <translation>Comorbidity</translation>
    </message>
    <message>
        <source>โรคแทรก</source>
        <translation>Complication</translation>
    </message>
    <message>
        <source>อื่นๆ</source>
        <translation>Other</translation>
    </message>
    <message>
        <source>สาเหตุภายนอก</source>
        <translation>External cause</translation>
    </message>
    <message>
        <source>{count} เดือน</source>
        <translation>{count} mo</translation>
    </message>
    <message>
        <source>{count} สัปดาห์</source>
        <translation>{count} wk</translation>
    </message>
    <message>
        <source>{count} วัน</source>
        <translation>{count} d</translation>
    </message>
    <message>
        <source>อาการสำคัญ เช่น ไข้ ไอ 2 วัน</source>
        <translation>Chief complaint, e.g. fever and cough for 2 days</translation>
    </message>
    <message>
        <source>มาโดย</source>
        <translation>Came</translation>
    </message>
    <message>
        <source>ที่ให้บริการ</source>
        <translation>Place of service</translation>
    </message>
    <message>
        <source>การจำหน่าย</source>
        <translation>Discharge</translation>
    </message>
    <message>
        <source>อุณหภูมิ</source>
        <translation>Temperature</translation>
    </message>
    <message>
        <source>ชีพจร</source>
        <translation>Pulse</translation>
    </message>
    <message>
        <source>น้ำตาลในเลือด (เจาะปลายนิ้ว)</source>
        <translation>Blood sugar (fingerstick)</translation>
    </message>
    <message>
        <source>พิมพ์รหัสหรือชื่อโรค เช่น J00 หรือ หวัด แล้วกด Enter</source>
        <translation>Type a code or disease name, e.g. J00 or cold, then press Enter</translation>
    </message>
    <message>
        <source>ค้นหาการวินิจฉัย (ICD-10) Enter เพื่อเพิ่ม</source>
        <translation>Search diagnoses (ICD-10); Enter adds</translation>
    </message>
    <message>
        <source>ไม่พบ &quot;{text}&quot; ในรายการรหัสโรค</source>
        <translation>&quot;{text}&quot; is not in the list of disease codes</translation>
    </message>
    <message>
        <source>รายการการวินิจฉัย</source>
        <translation>Diagnoses</translation>
    </message>
    <message>
        <source>พิมพ์รหัสหรือชื่อยาในบัญชียา แล้วกด Enter</source>
        <translation>Type a code or name from the drug list, then press Enter</translation>
    </message>
    <message>
        <source>ค้นหายาในบัญชียาของหน่วย Enter เพื่อเพิ่ม</source>
        <translation>Search the unit&apos;s drug list; Enter adds</translation>
    </message>
    <message>
        <source>ไม่พบ &quot;{text}&quot; ในบัญชียา: เลือกจากรายการ หรือกดปุ่ม &quot;+ ยาพิมพ์เอง&quot;</source>
        <translation>&quot;{text}&quot; is not on the drug list: choose from the list, or press &quot;+ Type in a drug&quot;</translation>
    </message>
    <message>
        <source>+ ยาพิมพ์เอง (ไม่อยู่ในบัญชียา)</source>
        <translation>+ Type in a drug (not on the drug list)</translation>
    </message>
    <message>
        <source>รายการยาที่จ่าย</source>
        <translation>Drugs dispensed</translation>
    </message>
    <message>
        <source>พิมพ์รหัสหรือชื่อหัตถการ แล้วกด Enter</source>
        <translation>Type a procedure code or name, then press Enter</translation>
    </message>
    <message>
        <source>ค้นหาหัตถการ (ICD-9-CM) Enter เพื่อเพิ่ม</source>
        <translation>Search procedures (ICD-9-CM); Enter adds</translation>
    </message>
    <message>
        <source>ไม่พบ &quot;{text}&quot; ในรายการหัตถการ</source>
        <translation>&quot;{text}&quot; is not in the list of procedures</translation>
    </message>
    <message>
        <source>รายการหัตถการ</source>
        <translation>Procedures</translation>
    </message>
    <message>
        <source>ที่</source>
        <translation>At</translation>
    </message>
    <message>
        <source>จำหน่าย</source>
        <translation>Left</translation>
    </message>
    <message>
        <source>ยาที่จ่าย</source>
        <translation>Medicine given</translation>
    </message>
    <message>
        <source>วัคซีน</source>
        <translation>Vaccine</translation>
    </message>
    <message>
        <source>บันทึกเพิ่มเติม</source>
        <translation>Notes</translation>
    </message>
    <message>
        <source>บันทึก (Enter)</source>
        <translation>Save (Enter)</translation>
    </message>
    <message>
        <source>Enter ในช่องค้นหาหรือในแถวของรายการจะเพิ่มรายการหรือไปช่องถัดไป ไม่บันทึก Ctrl+Enter บันทึกได้จากทุกช่อง</source>
        <translation>Enter in a search box or a list&apos;s row adds the item or moves to the next field; it does not save. Ctrl+Enter saves from any field.</translation>
    </message>
    <message>
        <source>ยกเลิก (Esc)</source>
        <translation>Cancel (Esc)</translation>
    </message>
    <message>
        <source>ความดัน</source>
        <translation>Blood pressure</translation>
    </message>
    <message>
        <source>น้ำตาล</source>
        <translation>Blood sugar</translation>
    </message>
    <message>
        <source>การวินิจฉัย (ICD-10) — รายการแรกเป็นการวินิจฉัยหลัก</source>
        <translation>Diagnoses (ICD-10) — the first is the principal diagnosis</translation>
    </message>
    <message>
        <source>หัตถการ (ICD-9-CM)</source>
        <translation>Procedures (ICD-9-CM)</translation>
    </message>
    <message>
        <source>นัดครั้งต่อไป</source>
        <translation>Next appointment</translation>
    </message>
    <message>
        <source>บันทึกการตรวจ — {name}</source>
        <translation>Record a visit — {name}</translation>
    </message>
    <message>
        <source>แพ้ยา/สาร: {allergies}</source>
        <translation>Allergies: {allergies}</translation>
    </message>
    <message>
        <source>ไม่มีประวัติแพ้</source>
        <translation>No known allergies</translation>
    </message>
    <message>
        <source>{code} อยู่ในรายการแล้ว</source>
        <translation>{code} is on the list already</translation>
    </message>
    <message>
        <source>ค่าที่วัดได้ผิดปกติมาก ยืนยันว่าถูกต้องและบันทึกหรือไม่?</source>
        <translation>Some readings are far from usual. Are they right? Save them as they are?</translation>
    </message>
</context>
<context>
    <name>Vitals</name>
    <message>
        <source>ความดันโลหิต</source>
        <translation>Blood pressure</translation>
    </message>
    <message>
        <source>น้ำหนัก</source>
        <translation>Weight</translation>
    </message>
    <message>
        <source>ส่วนสูง</source>
        <translation>Height</translation>
    </message>
    <message>
        <source>อุณหภูมิ</source>
        <translation>Temperature</translation>
    </message>
    <message>
        <source>ชีพจร</source>
        <translation>Pulse</translation>
    </message>
    <message>
        <source>การหายใจ</source>
        <translation>Respiration</translation>
    </message>
    <message>
        <source>น้ำตาลในเลือด</source>
        <translation>Blood sugar</translation>
    </message>
</context>
<context>
    <name>VitalsPlot</name>
    <message>
        <source>กราฟความดันและน้ำหนัก</source>
        <translation>Blood pressure and weight over time</translation>
    </message>
    <message>
        <source>ความดันตัวบน (แดง) ตัวล่าง (ส้ม) mmHg แกนซ้าย · น้ำหนัก (น้ำเงิน) kg แกนขวา</source>
        <translation>Systolic (red), diastolic (orange) mmHg, left axis · weight (blue) kg, right axis</translation>
    </message>
    <message>
        <source>ยังไม่มีข้อมูลสัญญาณชีพ</source>
        <translation>No vital signs yet</translation>
    </message>
</context>
<context>
    <name>VoidDialog</name>
    <message>
        <source>บันทึกผิดพลาด (ยกเลิกการรับบริการ)</source>
        <translation>Entered in error (void the visit)</translation>
    </message>
    <message>
        <source>การรับบริการวันที่ {when} จะถูกทำเครื่องหมายว่าบันทึกผิดพลาด ข้อมูลยังเก็บไว้ แต่ไม่แสดงในแฟ้มและรายการต่าง ๆ โปรดระบุเหตุผล</source>
        <translation>The visit of {when} will be marked entered in error: kept, but no longer shown in the chart or the lists. Please give the reason.</translation>
    </message>
    <message>
        <source>เหตุผลที่บันทึกผิดพลาด</source>
        <translation>Why it was entered in error</translation>
    </message>
    <message>
        <source>เช่น บันทึกผิดคน บันทึกซ้ำ</source>
        <translation>e.g. wrong patient, recorded twice</translation>
    </message>
    <message>
        <source>ยืนยันบันทึกผิดพลาด</source>
        <translation>Mark entered in error</translation>
    </message>
</context>
</TS>
